/**
 * Cache invalidation between relay instances. Each instance caches token, key and budget rows for a few seconds
 * (read-cache.ts, services/budgets.ts); a write drops the row here at once and is published so every other
 * instance drops it too. Without Redis there is one instance to tell (or several that wait for the TTL).
 */
import type { RedisLink } from '../redis.js'

type Invalidation =
  | { readonly kind: 'token'; readonly id: string }
  | { readonly kind: 'key'; readonly id: string }
  | { readonly kind: 'budgets'; readonly userId: string }
  /** Every token row: a revocation also revokes the tokens minted from the revoked one, whose digests nobody lists. */
  | { readonly kind: 'tokens' }
  /** After a user is deleted, or when messages may have been lost (a Redis outage ended). */
  | { readonly kind: 'all' }

export interface InvalidationBus {
  /** Tell the other instances (this one has already dropped the row). Resolves once Redis took the message. */
  publish(message: Invalidation): Promise<void>
  /** Messages from every instance, this one included. */
  subscribe(listener: (message: Invalidation) => void): void
}

/** One process: nothing to tell. */
export const LOCAL_ONLY: InvalidationBus = { publish: async () => {}, subscribe: () => {} }

const CHANNEL = 'byok:invalidate'

function parse(text: string): Invalidation | undefined {
  try {
    const message = JSON.parse(text) as Record<string, unknown>
    if (message.kind === 'all' || message.kind === 'tokens') return { kind: message.kind }
    if ((message.kind === 'token' || message.kind === 'key') && typeof message.id === 'string')
      return { kind: message.kind, id: message.id }
    if (message.kind === 'budgets' && typeof message.userId === 'string')
      return { kind: 'budgets', userId: message.userId }
  } catch {}
  return undefined
}

/** Pub/sub over the relay's Redis connection; subscribed before it resolves, so no message is missed after start. */
export async function createRedisInvalidation(redis: RedisLink): Promise<InvalidationBus> {
  const listeners: ((message: Invalidation) => void)[] = []
  const deliver = (message: Invalidation) => {
    for (const listener of listeners) listener(message)
  }
  await redis.subscriber.subscribe(CHANNEL)
  redis.subscriber.on('message', (channel: string, text: string) => {
    const message = channel === CHANNEL ? parse(text) : undefined
    if (message) deliver(message)
  })
  // Whatever was published during the outage never arrived: drop everything cached.
  redis.onRecovered(() => deliver({ kind: 'all' }))
  return {
    async publish(message) {
      if (!redis.isUp()) return
      await redis.commands.publish(CHANNEL, JSON.stringify(message)).catch((error: unknown) => {
        redis.reportFailure(error)
      })
    },
    subscribe: (listener) => {
      listeners.push(listener)
    },
  }
}
