/**
 * Fixed-window counters with the IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds), `RateLimit-Policy`, and
 * `Retry-After` on 429. Counting is synchronous, so concurrent requests can never over-admit.
 */
import { RelayError } from '../errors.js'

export interface RateLimitDecision {
  readonly allowed: boolean
  readonly headers: Readonly<Record<string, string>>
}

export interface RateLimiter {
  /** Counts one hit for `key` and says whether it is allowed. A limit of 0 disables the limiter. */
  hit(key: string): RateLimitDecision
  /** Throws `rate_limited` when over the limit; otherwise returns the headers to send. */
  consume(key: string): Readonly<Record<string, string>>
}

interface Window {
  start: number
  count: number
}

export function createRateLimiter(options: {
  max: number
  windowMs: number
  now: () => number
  /** Called once per rejected hit (metrics). */
  onReject?: () => void
}): RateLimiter {
  const { max, windowMs, now, onReject } = options
  const windows = new Map<string, Window>()
  const policy = `${max};w=${Math.round(windowMs / 1000)}`
  let lastSweep = now()

  // Expired windows are dropped at most once per window, so memory stays bounded by active clients.
  function sweep(at: number): void {
    if (at - lastSweep < windowMs) return
    lastSweep = at
    for (const [key, w] of windows) if (at - w.start >= windowMs) windows.delete(key)
  }

  function hit(key: string): RateLimitDecision {
    if (max === 0) return { allowed: true, headers: {} }
    const at = now()
    sweep(at)
    let w = windows.get(key)
    if (!w || at - w.start >= windowMs) {
      w = { start: at, count: 0 }
      windows.set(key, w)
    }
    w.count += 1
    const resetSeconds = Math.max(1, Math.ceil((w.start + windowMs - at) / 1000))
    const allowed = w.count <= max
    const headers: Record<string, string> = {
      'ratelimit-limit': String(max),
      'ratelimit-remaining': String(Math.max(0, max - w.count)),
      'ratelimit-reset': String(resetSeconds),
      'ratelimit-policy': policy,
    }
    if (!allowed) headers['retry-after'] = String(resetSeconds)
    return { allowed, headers }
  }

  return {
    hit,
    consume(key) {
      const decision = hit(key)
      if (!decision.allowed) {
        onReject?.()
        throw new RelayError('rate_limited', { headers: decision.headers })
      }
      return decision.headers
    },
  }
}
