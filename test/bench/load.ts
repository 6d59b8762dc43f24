import { Pool } from 'undici'

export interface LoadResult {
  readonly requests: number
  /** Every completed request, warm-up included. */
  readonly sent: number
  readonly errors: number
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly ttfbP50: number
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

/**
 * Closed-loop load: `concurrency` workers, each sending the next request as soon as the previous body is fully
 * read, for `durationMs` after a warm-up. Latency is request start → last byte; TTFB is → first body byte.
 */
export async function runLoad(options: {
  origin: string
  path: string
  headers: Record<string, string>
  body: string
  concurrency: number
  durationMs: number
  warmupMs: number
}): Promise<LoadResult> {
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1 })
  const latencies: number[] = []
  const ttfbs: number[] = []
  let errors = 0
  let sent = 0
  let recording = false
  const stopAt = performance.now() + options.warmupMs + options.durationMs
  setTimeout(() => {
    recording = true
  }, options.warmupMs)

  async function worker(): Promise<void> {
    while (performance.now() < stopAt) {
      const start = performance.now()
      let first = 0
      try {
        const { statusCode, body } = await pool.request({
          method: 'POST',
          path: options.path,
          headers: options.headers,
          body: options.body,
        })
        for await (const _chunk of body) if (first === 0) first = performance.now()
        sent++
        if (statusCode !== 200) errors++
      } catch {
        errors++
        continue
      }
      if (recording) {
        const end = performance.now()
        latencies.push(end - start)
        ttfbs.push((first || end) - start)
      }
    }
  }

  await Promise.all(Array.from({ length: options.concurrency }, worker))
  await pool.close()
  latencies.sort((a, b) => a - b)
  ttfbs.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    sent,
    errors,
    rps: latencies.length / (options.durationMs / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    ttfbP50: percentile(ttfbs, 50),
  }
}
