/**
 * Fixed-window limits on @fastify/rate-limit, answered with the IETF RateLimit header fields
 * (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds),
 * `RateLimit-Policy`, and `Retry-After` on 429, with the catalogue's `rate_limited` body.
 *
 * The plugin's limiter functions (`createRateLimit`) are called by the routes themselves rather than hooked onto
 * every route, because a relay call is counted only after its path and model checks. Counting is atomic in both
 * stores (a synchronous map update in memory, one Lua script in Redis), so concurrent requests never over-admit.
 * With Redis the counters are shared by every instance; while Redis is down each instance counts on its own
 * (see redis.ts), which keeps every limit in force at worst N times looser for N instances.
 */
/// <reference path="../types/fastify-rate-limit-stores.d.ts" />
import rateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit'
import LocalStore from '@fastify/rate-limit/store/LocalStore.js'
import RedisStore from '@fastify/rate-limit/store/RedisStore.js'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import type { RedisLink } from '../redis.js'

export interface RateLimiter {
  /** Counts one hit for the request: throws `rate_limited` over the limit, else returns the headers to send. */
  consume(request: FastifyRequest): Promise<Readonly<Record<string, string>>>
}

interface LimitSpec {
  /** Hits per window; 0 disables the limiter. */
  readonly max: number
  readonly windowMs: number
  /** The counter a request is counted under (per IP, per token, …). */
  readonly key: (request: FastifyRequest) => string
  /** Called once per rejected hit (metrics). */
  readonly onReject?: (() => void) | undefined
}

/** Clients the in-memory store keeps a window for; the least recently seen is forgotten first. */
const MEMORY_CLIENTS = 100_000
/** Redis keys are `byok:rl:<limiter key>`; a second deployment on the same Redis needs another database number. */
const REDIS_PREFIX = 'byok:rl:'

/** The plugin's memory store alone, or its Redis store with the memory store standing in during an outage. */
function limitStore(redis: RedisLink | undefined) {
  return class RelayLimitStore implements FastifyRateLimitStore {
    private readonly local = new LocalStore(false, false, MEMORY_CLIENTS)
    private readonly shared = redis && new RedisStore(false, false, redis.commands, REDIS_PREFIX)

    incr(...[key, callback, timeWindow, max]: Parameters<FastifyRateLimitStore['incr']>): void {
      if (!this.shared || !redis?.isUp()) {
        this.local.incr(key, callback, timeWindow, max)
        return
      }
      this.shared.incr(
        key,
        (error, result) => {
          if (!error) {
            callback(null, result)
            return
          }
          redis.reportFailure(error)
          this.local.incr(key, callback, timeWindow, max)
        },
        timeWindow,
        max,
      )
    }

    child(): FastifyRateLimitStore {
      return new RelayLimitStore()
    }
  }
}

/**
 * Register @fastify/rate-limit (no global hook) and build one limiter per spec.
 *
 * @example
 * const limiters = await registerRateLimits(app, { global: { max: 100, windowMs: 60_000, key: (r) => r.ip } })
 */
export async function registerRateLimits<Name extends string>(
  app: FastifyInstance,
  specs: Record<Name, LimitSpec>,
  redis: RedisLink | undefined,
): Promise<Record<Name, RateLimiter>> {
  await app.register(rateLimit, { global: false, store: limitStore(redis) })
  const entries = Object.entries<LimitSpec>(specs).map(([name, spec]) => [name, createLimiter(app, spec)])
  return Object.fromEntries(entries) as Record<Name, RateLimiter>
}

function createLimiter(app: FastifyInstance, spec: LimitSpec): RateLimiter {
  const { max, windowMs, onReject } = spec
  if (max === 0) return { consume: async () => ({}) }
  const check = app.createRateLimit({ max, timeWindow: windowMs, keyGenerator: spec.key })
  const policy = `${max};w=${Math.round(windowMs / 1000)}`
  return {
    async consume(request) {
      const result = await check(request)
      if (result.isAllowed) return {}
      const reset = String(Math.max(1, result.ttlInSeconds))
      const headers: Record<string, string> = {
        'ratelimit-limit': String(max),
        'ratelimit-remaining': String(result.remaining),
        'ratelimit-reset': reset,
        'ratelimit-policy': policy,
      }
      if (!result.isExceeded) return headers
      onReject?.()
      throw new RelayError('rate_limited', { headers: { ...headers, 'retry-after': reset } })
    },
  }
}
