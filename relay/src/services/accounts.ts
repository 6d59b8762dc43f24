import { randomBytes, randomUUID } from 'node:crypto'
import { generateToken, looksLikeToken, type TokenHasher } from '../crypto/tokens.js'
import { RelayError } from '../errors.js'
import type { NewToken, Store, TokenRecord, TokenScope } from '../store/types.js'
import { type CapRequest, narrowCaps } from './token-caps.js'
import { narrowScope, type ScopeRequest } from './token-scope.js'

const DAY_MS = 86_400_000

/** Who a valid relay token belongs to. */
export interface Caller {
  readonly userId: string
  readonly appId: string
  readonly tokenHash: Buffer
  readonly tokenId: string
  readonly expiresAt: number | null
  /** null for a full token (POST /users); set for a scoped one (POST /tokens). */
  readonly scope: TokenScope | null
}

/** The app's own account a relay user is bound to (`POST /users` with `external_user_id`). */
export interface ExternalUser {
  readonly appId: string
  readonly externalUserId: string
}

export interface IssuedToken {
  readonly token: string
  readonly id: string
  readonly expiresAt: number | null
  readonly scope: TokenScope | null
}

export interface Accounts {
  register(appId: string): Promise<{ token: string; expiresAt: number | null }>
  /** A full token for the relay user bound to this external account, created on first use. */
  registerExternal(external: ExternalUser): Promise<{ token: string; expiresAt: number | null }>
  /**
   * A scoped token, minted by a caller's token (never wider than it) or, for the app's backend, for an
   * external user (created on first use), with the minting token's caps and `cap` (`narrowCaps`). Throws
   * `token_scope_widen` for a wider request.
   */
  mintScoped(by: Caller | ExternalUser, request: ScopeRequest, cap?: CapRequest): Promise<IssuedToken>
  listTokens(caller: Caller): Promise<TokenRecord[]>
  /** Revokes one of the caller's user's tokens by its public id; false when there is no such live token. */
  revokeById(caller: Caller, id: string): Promise<boolean>
  /** Resolves a presented token or throws the 401 with its specific code. */
  authenticate(token: string | undefined): Promise<Caller>
  /**
   * The caller of a token known by its digest, read again (it may have been revoked or have expired since);
   * throws like `authenticate`.
   */
  recheck(tokenHash: Buffer): Promise<Caller>
  revoke(caller: Caller): Promise<void>
  deleteUser(caller: Caller): Promise<void>
}

function newTokenId(): string {
  return randomBytes(16).toString('hex')
}

export function createAccounts(deps: {
  store: Store
  hasher: TokenHasher
  now: () => number
  expiryDays: number
}): Accounts {
  const { store, hasher, now, expiryDays } = deps

  function fullToken(createdAt: number): { token: string; record: NewToken } {
    const token = generateToken()
    const expiresAt = expiryDays === 0 ? null : createdAt + expiryDays * DAY_MS
    return {
      token,
      record: { hash: hasher.hash(token), id: newTokenId(), createdAt, expiresAt, scope: null },
    }
  }

  async function callerOf(hash: Buffer): Promise<Caller> {
    const record = await store.findToken(hash)
    if (!record) throw new RelayError('token_invalid')
    if (record.revokedAt !== null) throw new RelayError('token_revoked')
    if (record.expiresAt !== null && record.expiresAt <= now()) throw new RelayError('token_expired')
    return {
      userId: record.userId,
      appId: record.appId,
      tokenHash: hash,
      tokenId: record.id,
      expiresAt: record.expiresAt,
      scope: record.scope,
    }
  }

  return {
    async register(appId) {
      const createdAt = now()
      const { token, record } = fullToken(createdAt)
      await store.createUser({ id: randomUUID(), appId, createdAt }, record)
      return { token, expiresAt: record.expiresAt }
    },
    async registerExternal(external) {
      const createdAt = now()
      const { token, record } = fullToken(createdAt)
      await store.issueExternalUserToken(
        external,
        { id: randomUUID(), appId: external.appId, createdAt },
        record,
      )
      return { token, expiresAt: record.expiresAt }
    },
    async mintScoped(by, request, cap) {
      const createdAt = now()
      const parent = 'userId' in by ? by : { scope: null, expiresAt: null }
      const narrowed = narrowScope(parent, request, createdAt)
      const { expiresAt } = narrowed
      const id = newTokenId()
      const caps = narrowCaps(parent.scope?.caps, cap, id)
      const scope: TokenScope = caps ? { ...narrowed.scope, caps } : narrowed.scope
      const token = generateToken()
      const record: NewToken = {
        hash: hasher.hash(token),
        id,
        createdAt,
        expiresAt,
        scope,
        // Revoking the minting token revokes this one (Store.revokeToken).
        parentId: 'userId' in by ? by.tokenId : null,
      }
      if ('userId' in by) {
        // The user may have been erased since the caller's token was checked.
        if (!(await store.createToken(by.userId, record))) throw new RelayError('token_invalid')
      } else {
        await store.issueExternalUserToken(by, { id: randomUUID(), appId: by.appId, createdAt }, record)
      }
      return { token, id, expiresAt, scope }
    },
    async listTokens(caller) {
      return store.listTokens(caller.userId, now())
    },
    async revokeById(caller, id) {
      return (await store.revokeTokenById(caller.userId, id, now())) !== undefined
    },
    async authenticate(token) {
      if (token === undefined || token === '') throw new RelayError('token_missing')
      if (!looksLikeToken(token)) throw new RelayError('token_invalid')
      return callerOf(hasher.hash(token))
    },
    async recheck(tokenHash) {
      return callerOf(tokenHash)
    },
    async revoke(caller) {
      await store.revokeToken(caller.tokenHash, now())
    },
    async deleteUser(caller) {
      await store.deleteUser(caller.userId)
    },
  }
}
