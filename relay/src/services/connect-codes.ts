import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { RelayError } from '../errors.js'
import { createTtlMap } from '../store/read-cache.js'
import type { Caller } from './accounts.js'

/** How long a connect code may wait for its exchange (`POST /connect/token`). */
export const CONNECT_CODE_TTL_MS = 60_000

/** What a connect code stands for until it is exchanged: who connected which provider, for which redirect. */
interface PendingConnect {
  /** The relay token the connect page acted with; the scoped token is minted from it (and revoked with it). */
  readonly caller: Caller
  readonly provider: string
  readonly redirectUri: string
  /** The origin of `redirectUri`: the only origin the scoped token will work from. */
  readonly origin: string
  /** base64url(SHA-256(code_verifier)), PKCE S256. */
  readonly challenge: string
}

interface ConnectCodes {
  /** A fresh one-time code for `pending`, valid for CONNECT_CODE_TTL_MS. */
  issue(pending: PendingConnect): string
  /**
   * Spends the code (whatever the outcome, so a verifier cannot be guessed twice) and returns what it stands
   * for. Throws `connect_code_invalid` (unknown, used, expired, another redirect_uri) or
   * `connect_verifier_invalid`.
   */
  redeem(code: string, verifier: string, redirectUri: string): PendingConnect
}

const digest = (value: string) => createHash('sha256').update(value).digest()

/**
 * One-time codes of the connect page's redirect mode, held in this process's memory (bounded, oldest dropped
 * first): only their SHA-256 is kept, and a relay restart simply voids pending codes. Several relay processes
 * behind one address must route `/connect/*` of one browser to the same process (or users retry).
 */
export function createConnectCodes(now: () => number, maxPending = 10_000): ConnectCodes {
  const pending = createTtlMap<PendingConnect>(CONNECT_CODE_TTL_MS, maxPending, now)
  return {
    issue(entry) {
      // A prefix secret scanners (and the test suites' log scan) recognise, like relay tokens' `byok_rt_`.
      const code = `byok_cc_${randomBytes(32).toString('base64url')}`
      pending.set(digest(code).toString('base64'), entry)
      return code
    },
    redeem(code, verifier, redirectUri) {
      const id = digest(code).toString('base64')
      const entry = pending.get(id)
      pending.delete(id)
      if (!entry || entry.redirectUri !== redirectUri) throw new RelayError('connect_code_invalid')
      const expected = Buffer.from(entry.challenge)
      const actual = Buffer.from(digest(verifier).toString('base64url'))
      if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
        throw new RelayError('connect_verifier_invalid')
      }
      return entry
    },
  }
}
