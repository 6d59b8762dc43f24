import { type Keyring, keyAad, UnsealError } from '../crypto/envelope.js'
import { RelayError } from '../errors.js'
import type { Store } from '../store/types.js'

interface StoredKeySummary {
  provider: string
  hint: string
  created_at: string
  updated_at: string
  base_url?: string
}

/** The decrypted key, alive only for the duration of one upstream call. */
interface UnsealedKey {
  readonly key: string
  readonly baseUrl: string | null
}

export interface Vault {
  put(userId: string, provider: string, key: string, baseUrl: string | null): Promise<void>
  list(userId: string): Promise<StoredKeySummary[]>
  remove(userId: string, provider: string): Promise<boolean>
  /** Throws `key_missing` when nothing is stored and `key_unreadable` when the row does not decrypt. */
  read(userId: string, provider: string): Promise<UnsealedKey>
  /** Whether a key is stored, and the base URL bound to it, without unsealing it; undefined when none is. */
  lookup(userId: string, provider: string): Promise<{ readonly baseUrl: string | null } | undefined>
  /**
   * Binds `baseUrl` to a key stored without one (a custom endpoint's first use, SPEC §3.6). Throws
   * `base_url_rejected` when another request bound a different URL first.
   */
  bind(userId: string, provider: string, baseUrl: string): Promise<void>
}

/** A key bound to one base URL is never sent to another (SPEC §3.6). */
export function boundElsewhere(): RelayError {
  return new RelayError('base_url_rejected', {
    message: 'This key is bound to a different base URL',
    hint: 'Store the key again with the new base_url to move it.',
  })
}

/** Shows at most the last 4 characters, and none of a short key (4 of 10 characters is too much of it). */
function hintFor(key: string): string {
  return key.length >= 16 ? `…${key.slice(-4)}` : '…'
}

export function createVault(deps: { store: Store; keyring: Keyring; now: () => number }): Vault {
  const { store, keyring, now } = deps
  return {
    async put(userId, provider, key, baseUrl) {
      const sealed = keyring.seal(key, keyAad(userId, provider))
      const at = now()
      // On conflict the store keeps the original created_at.
      await store.putKey({
        userId,
        provider,
        keyVersion: sealed.keyVersion,
        sealed: sealed.bytes,
        hint: hintFor(key),
        baseUrl,
        createdAt: at,
        updatedAt: at,
      })
    },
    async list(userId) {
      const rows = await store.listKeys(userId)
      return rows.map((row) => ({
        provider: row.provider,
        hint: row.hint,
        created_at: new Date(row.createdAt).toISOString(),
        updated_at: new Date(row.updatedAt).toISOString(),
        ...(row.baseUrl ? { base_url: row.baseUrl } : {}),
      }))
    },
    async remove(userId, provider) {
      return store.deleteKey(userId, provider)
    },
    async read(userId, provider) {
      const row = await store.getKey(userId, provider)
      if (!row) throw new RelayError('key_missing', { message: `No ${provider} key stored for this user` })
      try {
        const key = keyring.open({ keyVersion: row.keyVersion, bytes: row.sealed }, keyAad(userId, provider))
        return { key, baseUrl: row.baseUrl }
      } catch (error) {
        if (error instanceof UnsealError) throw new RelayError('key_unreadable', { cause: error })
        throw error
      }
    },
    async lookup(userId, provider) {
      const row = await store.getKey(userId, provider)
      return row && { baseUrl: row.baseUrl }
    },
    async bind(userId, provider, baseUrl) {
      // Atomic in the store: of two first calls racing with different URLs, one binds and the other is refused.
      if ((await store.bindBaseUrl(userId, provider, baseUrl)) !== baseUrl) throw boundElsewhere()
    },
  }
}
