import { Pool } from 'undici'

/** One closed-loop run: `concurrency` connections, each sending the next request when the last one ended. */
export interface LoadRun {
  readonly origin: string
  readonly path: string
  readonly body: string
  readonly token?: string
  readonly concurrency: number
  readonly durationMs: number
}

export interface LoadResult {
  /** Completed requests in the measured run. */
  readonly requests: number
  readonly errors: number
  readonly rps: number
  /** Request start → last byte, ms. */
  readonly p50: number
  readonly p99: number
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

function send(pool: Pool, run: Pick<LoadRun, 'path' | 'body' | 'token'>) {
  return pool.request({
    method: 'POST',
    path: run.path,
    headers: { 'content-type': 'application/json', ...(run.token ? { 'x-relay-token': run.token } : {}) },
    body: run.body,
  })
}

/** One call, its body read to the end: `ok` (200), `status` (answered otherwise) or `failed` (no answer). */
async function call(pool: Pool, run: Pick<LoadRun, 'path' | 'body' | 'token'>) {
  try {
    const { statusCode, body } = await send(pool, run)
    await body.dump({ limit: Number.POSITIVE_INFINITY })
    return statusCode === 200 ? 'ok' : 'status'
  } catch {
    return 'failed'
  }
}

/**
 * The fallback load generator when wrk is missing: undici in this Node process. It costs about as much CPU per
 * request as the proxy it measures, so its req/s figures are LESS ACCURATE (the bench labels them so).
 */
export async function runNodeLoad(run: LoadRun): Promise<LoadResult> {
  const pool = new Pool(run.origin, { connections: run.concurrency, pipelining: 1 })
  const latencies: number[] = []
  let errors = 0
  const stopAt = performance.now() + run.durationMs
  const started = performance.now()

  async function worker(): Promise<void> {
    while (performance.now() < stopAt) {
      const start = performance.now()
      const outcome = await call(pool, run)
      if (outcome !== 'ok') errors++
      if (outcome !== 'failed') latencies.push(performance.now() - start)
    }
  }

  await Promise.all(Array.from({ length: run.concurrency }, worker))
  const elapsed = performance.now() - started
  await pool.close()
  latencies.sort((a, b) => a - b)
  return {
    requests: latencies.length,
    errors,
    rps: latencies.length / (elapsed / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  }
}

/**
 * Exactly `count` requests over `concurrency` connections, as fast as the target answers: for measures that
 * count work per request (instructions) rather than time.
 */
export async function runCount(
  run: Omit<LoadRun, 'durationMs'> & { readonly count: number },
): Promise<{ readonly requests: number; readonly errors: number }> {
  const pool = new Pool(run.origin, { connections: run.concurrency, pipelining: 1 })
  let next = 0
  let errors = 0
  async function worker(): Promise<void> {
    while (next < run.count) {
      next++
      if ((await call(pool, run)) !== 'ok') errors++
    }
  }
  await Promise.all(Array.from({ length: run.concurrency }, worker))
  await pool.close()
  return { requests: next, errors }
}

/**
 * Time to first body byte, one request at a time (no queueing, so it is the latency a target adds):
 * `count` requests after `warmup` unrecorded ones. Returns the p50 in ms.
 */
export async function probeTtfb(
  run: Pick<LoadRun, 'origin' | 'path' | 'body' | 'token'>,
  count: number,
  warmup = 100,
): Promise<{ p50: number; errors: number }> {
  const pool = new Pool(run.origin, { connections: 1, pipelining: 1 })
  const ttfbs: number[] = []
  let errors = 0
  for (let i = 0; i < warmup + count; i++) {
    const start = performance.now()
    let first = 0
    try {
      const { statusCode, body } = await send(pool, run)
      for await (const _chunk of body) if (first === 0) first = performance.now()
      if (statusCode !== 200) errors++
    } catch {
      errors++
      continue
    }
    if (i >= warmup) ttfbs.push((first || performance.now()) - start)
  }
  await pool.close()
  ttfbs.sort((a, b) => a - b)
  return { p50: percentile(ttfbs, 50), errors }
}
