import { randomUUID } from 'node:crypto'
import { generateToken, looksLikeToken, type TokenHasher } from '../crypto/tokens.js'
import { RelayError } from '../errors.js'
import type { Store } from '../store/types.js'

const DAY_MS = 86_400_000

/** Who a valid relay token belongs to. */
export interface Caller {
  readonly userId: string
  readonly appId: string
  readonly tokenHash: Buffer
}

export interface Accounts {
  register(appId: string): Promise<{ token: string; expiresAt: number | null }>
  /** Resolves a presented token or throws the 401 with its specific code. */
  authenticate(token: string | undefined): Promise<Caller>
  revoke(caller: Caller): Promise<void>
  deleteUser(caller: Caller): Promise<void>
}

export function createAccounts(deps: {
  store: Store
  hasher: TokenHasher
  now: () => number
  expiryDays: number
}): Accounts {
  const { store, hasher, now, expiryDays } = deps
  return {
    async register(appId) {
      const token = generateToken()
      const createdAt = now()
      const expiresAt = expiryDays === 0 ? null : createdAt + expiryDays * DAY_MS
      await store.createUser(
        { id: randomUUID(), appId, createdAt },
        { hash: hasher.hash(token), createdAt, expiresAt },
      )
      return { token, expiresAt }
    },
    async authenticate(token) {
      if (token === undefined || token === '') throw new RelayError('token_missing')
      if (!looksLikeToken(token)) throw new RelayError('token_invalid')
      const hash = hasher.hash(token)
      const record = await store.findToken(hash)
      if (!record) throw new RelayError('token_invalid')
      if (record.revokedAt !== null) throw new RelayError('token_revoked')
      if (record.expiresAt !== null && record.expiresAt <= now()) throw new RelayError('token_expired')
      return { userId: record.userId, appId: record.appId, tokenHash: hash }
    },
    async revoke(caller) {
      await store.revokeToken(caller.tokenHash, now())
    },
    async deleteUser(caller) {
      await store.deleteUser(caller.userId)
    },
  }
}
