import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { RelayError } from '../errors.js'
import type { Store } from '../store/types.js'

/** How long a connect code may wait for its exchange (`POST /connect/token`). */
export const CONNECT_CODE_TTL_MS = 60_000

/** What a connect code stands for until it is exchanged: who connected which provider, for which redirect. */
export interface PendingConnect {
  /** The HMAC digest of the relay token the connect page acted with; the scoped token is minted from it. */
  readonly tokenHash: Buffer
  readonly provider: string
  readonly redirectUri: string
  /** The origin of `redirectUri`: the only origin the scoped token will work from. */
  readonly origin: string
  /** base64url(SHA-256(code_verifier)), PKCE S256. */
  readonly challenge: string
}

export interface ConnectCodes {
  /** A fresh one-time code for `pending`, valid for CONNECT_CODE_TTL_MS. */
  issue(pending: PendingConnect): Promise<string>
  /**
   * Spends the code (whatever the outcome, so a verifier cannot be guessed twice) and returns what it stands
   * for. Throws `connect_code_invalid` (unknown, used, expired, another redirect_uri) or
   * `connect_verifier_invalid`.
   */
  redeem(code: string, verifier: string, redirectUri: string): Promise<PendingConnect>
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * One-time codes of the connect page's redirect mode, kept in the store so that any relay instance sharing it
 * can exchange a code another one issued: only their SHA-256 is stored, a take deletes the row (of two
 * concurrent exchanges exactly one gets it), and each insert purges the expired ones.
 */
export function createConnectCodes(store: Store, now: () => number): ConnectCodes {
  return {
    async issue(entry) {
      // A prefix secret scanners (and the test suites' log scan) recognise, like relay tokens' `byok_rt_`.
      const code = `byok_cc_${randomBytes(32).toString('base64url')}`
      const at = now()
      await store.putConnectCode({ digest: digest(code), ...entry, expiresAt: at + CONNECT_CODE_TTL_MS }, at)
      return code
    },
    async redeem(code, verifier, redirectUri) {
      const entry = await store.takeConnectCode(digest(code))
      if (!entry || entry.expiresAt <= now() || entry.redirectUri !== redirectUri) {
        throw new RelayError('connect_code_invalid')
      }
      const expected = Buffer.from(entry.challenge)
      const actual = Buffer.from(digest(verifier).toString('base64url'))
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
        throw new RelayError('connect_verifier_invalid')
      }
      const { tokenHash, provider, origin, challenge } = entry
      return { tokenHash, provider, redirectUri, origin, challenge }
    },
  }
}
