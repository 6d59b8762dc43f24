import type { KeyRecord, Store, TokenRecord } from './types.js'

interface Entry<T> {
  readonly value: T
  readonly until: number
}

/** A small TTL map that forgets its oldest entries first once full. */
export function createTtlMap<T>(ttlMs: number, maxEntries: number, now: () => number) {
  const entries = new Map<string, Entry<T>>()
  return {
    get(key: string): T | undefined {
      const entry = entries.get(key)
      if (!entry) return undefined
      if (entry.until <= now()) {
        entries.delete(key)
        return undefined
      }
      return entry.value
    },
    set(key: string, value: T): void {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, { value, until: now() + ttlMs })
    },
    delete(key: string): void {
      entries.delete(key)
    },
    clear(): void {
      entries.clear()
    },
  }
}

/**
 * Caches the two reads on every relay call: the token row (by its HMAC digest) and the *sealed* key row — never
 * a decrypted key, which is still opened per request. Measured on the bench: with SQLite reads on every call the
 * lookups cost about a third of the relay's CPU per request under load.
 *
 * Writes through this store invalidate at once, so revocation, deletion and rotation are immediate here. Another
 * process sharing the database sees them within `ttlMs`. Misses are not cached, so random tokens cannot fill it.
 */
export function withReadCache(
  store: Store,
  options: { ttlMs: number; maxEntries: number; now: () => number },
): Store {
  const tokens = createTtlMap<TokenRecord>(options.ttlMs, options.maxEntries, options.now)
  const keys = createTtlMap<KeyRecord>(options.ttlMs, options.maxEntries, options.now)
  const keyId = (userId: string, provider: string) => `${userId}\n${provider}`

  return {
    ...store,
    async findToken(hash) {
      const id = hash.toString('base64')
      const cached = tokens.get(id)
      if (cached) return cached
      const record = await store.findToken(hash)
      if (record) tokens.set(id, record)
      return record
    },
    // A revocation reaches every token minted from the revoked one, whose digests this cache does not know:
    // dropping all token rows is simpler than indexing them by parent, and revocations are rare.
    async revokeToken(hash, at) {
      await store.revokeToken(hash, at)
      tokens.clear()
    },
    async revokeTokenById(userId, id, at) {
      const hash = await store.revokeTokenById(userId, id, at)
      if (hash) tokens.clear()
      return hash
    },
    async deleteUser(userId) {
      // Rare: dropping everything is simpler than indexing entries by user.
      tokens.clear()
      keys.clear()
      return store.deleteUser(userId)
    },
    async getKey(userId, provider) {
      const id = keyId(userId, provider)
      const cached = keys.get(id)
      if (cached) return cached
      const record = await store.getKey(userId, provider)
      if (record) keys.set(id, record)
      return record
    },
    async putKey(key) {
      keys.delete(keyId(key.userId, key.provider))
      await store.putKey(key)
    },
    async deleteKey(userId, provider) {
      keys.delete(keyId(userId, provider))
      return store.deleteKey(userId, provider)
    },
    async bindBaseUrl(userId, provider, baseUrl) {
      keys.delete(keyId(userId, provider))
      return store.bindBaseUrl(userId, provider, baseUrl)
    },
  }
}
