import { type InvalidationBus, LOCAL_ONLY } from './invalidation.js'
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
 * Writes through this store invalidate at once, so revocation, deletion and rotation are immediate here; they are
 * published on `options.bus` once written, so other instances drop the row at once too (with Redis), or within
 * `ttlMs` (without it, or while it is down). Misses are not cached, so random tokens cannot fill it.
 */
export function withReadCache(
  store: Store,
  options: { ttlMs: number; maxEntries: number; now: () => number; bus?: InvalidationBus },
): Store {
  const tokens = createTtlMap<TokenRecord>(options.ttlMs, options.maxEntries, options.now)
  const keys = createTtlMap<KeyRecord>(options.ttlMs, options.maxEntries, options.now)
  const keyId = (userId: string, provider: string) => `${userId}\n${provider}`
  const bus = options.bus ?? LOCAL_ONLY
  bus.subscribe((message) => {
    if (message.kind === 'token') tokens.delete(message.id)
    else if (message.kind === 'tokens') tokens.clear()
    else if (message.kind === 'key') keys.delete(message.id)
    else if (message.kind === 'all') {
      tokens.clear()
      keys.clear()
    }
  })
  /** Drop a key row here, write, then tell the other instances (after the write, so they cannot re-read the old row). */
  async function keyWrite<T>(userId: string, provider: string, write: () => Promise<T>): Promise<T> {
    const id = keyId(userId, provider)
    keys.delete(id)
    const result = await write()
    await bus.publish({ kind: 'key', id })
    return result
  }

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
      tokens.clear()
      await store.revokeToken(hash, at)
      await bus.publish({ kind: 'tokens' })
    },
    async revokeTokenById(userId, id, at) {
      const hash = await store.revokeTokenById(userId, id, at)
      if (hash) {
        tokens.clear()
        await bus.publish({ kind: 'tokens' })
      }
      return hash
    },
    async deleteUser(userId) {
      // Rare: dropping everything is simpler than indexing entries by user.
      tokens.clear()
      keys.clear()
      const deleted = await store.deleteUser(userId)
      await bus.publish({ kind: 'all' })
      return deleted
    },
    async getKey(userId, provider) {
      const id = keyId(userId, provider)
      const cached = keys.get(id)
      if (cached) return cached
      const record = await store.getKey(userId, provider)
      if (record) keys.set(id, record)
      return record
    },
    putKey: (key) => keyWrite(key.userId, key.provider, () => store.putKey(key)),
    deleteKey: (userId, provider) => keyWrite(userId, provider, () => store.deleteKey(userId, provider)),
    bindBaseUrl: (userId, provider, baseUrl) =>
      keyWrite(userId, provider, () => store.bindBaseUrl(userId, provider, baseUrl)),
  }
}
