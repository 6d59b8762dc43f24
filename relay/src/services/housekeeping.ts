import type { PurgeResult, Store } from '../store/types.js'

const DAY_MS = 86_400_000

/**
 * How long a token's row outlives its expiry or revocation. Until then the relay answers it with the precise
 * `token_expired` / `token_revoked`; afterwards the row is gone and the answer is `token_invalid` (clients
 * register again on any of the three).
 */
export const TOKEN_ROW_GRACE_DAYS = 30
/**
 * How long budget and cap counters outlive the start of their period: a month period is at most 31 days, and a
 * past period's counters are never read again (usage reports read the request log).
 */
export const COUNTER_ROW_DAYS = 62
/** Rows per statement: each delete is a short write that the relay's own writes wait behind at most. */
const BATCH = 1_000
/** Statements per kind and pass, so one pass stays bounded on a database that was never cleaned. */
const MAX_BATCHES = 100

export interface HousekeepingOptions {
  readonly store: Store
  readonly now: () => number
  /** Told when a pass deleted something, or failed (the next pass tries again). */
  readonly onPass: (outcome: { deleted: PurgeResult } | { error: unknown }) => void
  /** The first pass, after start-up. */
  readonly firstPassMs: number
  readonly intervalMs: number
}

/**
 * Deletes what no request can use any more, so the database does not grow with every registration and every
 * day of budget counting: tokens past expiry or revocation by TOKEN_ROW_GRACE_DAYS, counters of periods that
 * started more than COUNTER_ROW_DAYS ago. Users and their keys are never touched. Every relay instance runs
 * it; passes on a shared database are idempotent.
 */
export function startHousekeeping(options: HousekeepingOptions): {
  pass(): Promise<PurgeResult>
  stop(): Promise<void>
} {
  const { store, now } = options
  let running: Promise<PurgeResult> | undefined
  let stopped = false

  async function purge(): Promise<PurgeResult> {
    const at = now()
    const cutoffs = {
      tokensBefore: at - TOKEN_ROW_GRACE_DAYS * DAY_MS,
      countersBefore: at - COUNTER_ROW_DAYS * DAY_MS,
      limit: BATCH,
    }
    let tokens = 0
    let counters = 0
    for (let i = 0; i < MAX_BATCHES && !stopped; i++) {
      const batch = await store.purgeExpired(cutoffs)
      tokens += batch.tokens
      counters += batch.counters
      if (batch.tokens < BATCH && batch.counters < BATCH) break
      // Let requests in between two batches.
      await new Promise((resolve) => setImmediate(resolve))
    }
    return { tokens, counters }
  }

  function pass(): Promise<PurgeResult> {
    running ??= purge().finally(() => {
      running = undefined
    })
    return running
  }

  const scheduled = () =>
    pass().then(
      (deleted) => {
        if (deleted.tokens + deleted.counters > 0) options.onPass({ deleted })
      },
      (error: unknown) => options.onPass({ error }),
    )
  const first = setTimeout(scheduled, options.firstPassMs).unref()
  const every = setInterval(scheduled, options.intervalMs).unref()

  return {
    pass,
    async stop() {
      stopped = true
      clearTimeout(first)
      clearInterval(every)
      // A pass in flight finishes its statement before the store closes.
      await running?.catch(() => {})
    },
  }
}
