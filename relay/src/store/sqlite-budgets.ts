import type Database from 'better-sqlite3'
import { type BudgetRow, budgetEntry, toBudget } from './rows.js'
import {
  type BudgetCounters,
  type BudgetRecord,
  type BudgetRefusal,
  type BudgetReservation,
  type BudgetStore,
  DAILY_USAGE_ROW_LIMIT,
  type DailyUsageRow,
} from './types.js'

type Entry = BudgetReservation['entries'][number]
type Estimate = { inputTokens: number; outputTokens: number }
type ReserveResult = { ok: true; reservation: BudgetReservation } | { ok: false; refusal: BudgetRefusal }

interface QueuedReservation {
  budgets: readonly BudgetRecord[]
  periodStarts: readonly number[]
  estimate: Estimate
  lease: BudgetCounters | undefined
  resolve: (result: ReserveResult) => void
  reject: (error: unknown) => void
}

/** A settlement (or a lease given back) not yet written: the corrections of one counter row, summed. */
interface PendingSettlement {
  entry: Entry
  requests: number
  input: number
  output: number
}

const ZERO: BudgetCounters = { requests: 0, inputTokens: 0, outputTokens: 0 }
/** Bound in place of a cap that is not set (counters never get near it). */
const NO_CAP = Number.MAX_SAFE_INTEGER
/** Most reservations written in one transaction. */
const MAX_BATCH = 256
/** How long a settlement may wait for a reservation to carry it before it gets a transaction of its own. */
const SETTLE_DELAY_MS = 100

/** A counter row's key: `[budgetId, periodStart]`, or `[userId, budgetId, periodStart]` for an app budget. */
type Key = readonly (string | number)[]
type Args = (string | number)[]

/**
 * The statements on one counter table, each taking the row's key (`keyColumns` and `period_start`) as positional
 * arguments. `parent` selects the row a new counter row needs (its budget, or its user).
 */
function counterStatements(
  db: Database.Database,
  table: string,
  keyColumns: readonly string[],
  parent: string,
) {
  const where = [...keyColumns, 'period_start'].map((c) => `${c} = ?`).join(' AND ')
  const columns = [...keyColumns, 'period_start'].join(', ')
  const placeholders = [...keyColumns, 'period_start'].map(() => '?').join(', ')
  return {
    counters: db.prepare<Args, BudgetCounters>(
      `SELECT requests, input_tokens AS inputTokens, output_tokens AS outputTokens FROM ${table} WHERE ${where}`,
    ),
    /** Adds a request and the estimate (input, output) unless a cap is reached (the last three arguments). */
    bump: db.prepare<Args>(
      `UPDATE ${table} SET requests = requests + 1, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?
        WHERE ${where} AND requests < ? AND input_tokens < ? AND output_tokens < ?`,
    ),
    /** Takes back what `bump` or `grant` added (requests, input, output), when a later budget refuses. */
    unbump: db.prepare<Args>(
      `UPDATE ${table} SET requests = requests - ?, input_tokens = input_tokens - ?, output_tokens = output_tokens - ?
        WHERE ${where}`,
    ),
    /** Adds (requests, input, output) if no counter is above its cap less that amount (the last three arguments). */
    grant: db.prepare<Args>(
      `UPDATE ${table} SET requests = requests + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?
        WHERE ${where} AND requests <= ? AND input_tokens <= ? AND output_tokens <= ?`,
    ),
    /** An empty row for the period, if the parent row still exists (the last argument). */
    open: db.prepare<Args>(
      `INSERT INTO ${table} (${columns}, requests, input_tokens, output_tokens)
       SELECT ${placeholders}, 0, 0, 0 WHERE EXISTS (${parent}) ON CONFLICT DO NOTHING`,
    ),
    /** The period's first reservation: one request and the estimate, if the parent row still exists. */
    insert: db.prepare<Args>(
      `INSERT INTO ${table} (${columns}, requests, input_tokens, output_tokens)
       SELECT ${placeholders}, 1, MAX(?, 0), MAX(?, 0) WHERE EXISTS (${parent})`,
    ),
    /** Adds a settlement's corrections (negative when the estimate was high, or a lease given back), never below 0. */
    settle: db.prepare<Args>(
      `UPDATE ${table} SET requests = MAX(requests + ?, 0), input_tokens = MAX(input_tokens + ?, 0),
              output_tokens = MAX(output_tokens + ?, 0)
        WHERE ${where}`,
    ),
  }
}

/** The first cap `used` has reached (requests: one more would pass it), in the order the caps are listed. */
function reachedCap(
  budget: BudgetRecord,
  used: BudgetCounters,
  periodStart: number,
): BudgetRefusal | undefined {
  const caps = [
    ['requests', budget.maxRequests, used.requests],
    ['input_tokens', budget.maxInputTokens, used.inputTokens],
    ['output_tokens', budget.maxOutputTokens, used.outputTokens],
  ] as const
  for (const [counter, limit, value] of caps) {
    if (limit !== null && value >= limit) return { budget, counter, limit, used: value, periodStart }
  }
  return undefined
}

/**
 * The budget half of the SQLite store (migrations 4 and 5). `flushLog` writes the batched request log first, so
 * usage reports include the calls that just ended. `flush` writes the settlements still waiting (the store's
 * `close` calls it).
 *
 * Cost per relay call: reservations that arrive in the same turn of the event loop share one write transaction
 * (one `UPDATE` per budget that checks the caps and adds in one statement), and settlements are not written one
 * by one: they are summed per counter row and written by the next reservation's transaction (before its checks,
 * so this process never checks against stale counters), or after at most 100 ms.
 */
export function prepareBudgetStore(
  db: Database.Database,
  flushLog: () => void,
): { store: BudgetStore; flush: () => void } {
  // Prepared on first use: a read-only connection to a database from before migration 4 (`byok usage` on a
  // relay not yet upgraded) has no budget tables, and only the request-log report below must work there.
  let prepared: ReturnType<typeof prepare> | undefined
  const st = () => (prepared ??= prepare())
  function prepare() {
    const list = db.prepare<[string], BudgetRow>(
      'SELECT * FROM budgets WHERE user_id = ? ORDER BY provider, period',
    )
    const upsert = db.prepare<[BudgetRecord]>(
      `INSERT INTO budgets (id, user_id, provider, period, max_requests, max_input_tokens, max_output_tokens,
                          created_at, updated_at)
     VALUES (@id, @userId, @provider, @period, @maxRequests, @maxInputTokens, @maxOutputTokens, @createdAt, @updatedAt)
     ON CONFLICT (user_id, provider, period) DO UPDATE SET
       max_requests = excluded.max_requests, max_input_tokens = excluded.max_input_tokens,
       max_output_tokens = excluded.max_output_tokens, updated_at = excluded.updated_at`,
    )
    const byScope = db.prepare<[string, string, string], BudgetRow>(
      'SELECT * FROM budgets WHERE user_id = ? AND provider = ? AND period = ?',
    )
    const remove = db.prepare('DELETE FROM budgets WHERE user_id = ? AND id = ?')
    // A user's budget's counters are keyed (budget_id, period_start); an app budget's (user_id, budget_id,
    // period_start), and a new row needs its user. Both sets take their key as the same positional arguments.
    const user = counterStatements(db, 'budget_usage', ['budget_id'], 'SELECT 1 FROM budgets WHERE id = ?')
    const app = counterStatements(
      db,
      'app_budget_usage',
      ['user_id', 'budget_id'],
      'SELECT 1 FROM users WHERE id = ?',
    )
    return { list, upsert, byScope, remove, user, app }
  }
  const keyOf = (entry: Entry): Key =>
    entry.userId === undefined
      ? [entry.budgetId, entry.periodStart]
      : [entry.userId, entry.budgetId, entry.periodStart]
  const tableOf = (entry: Entry) => (entry.userId === undefined ? st().user : st().app)

  const daily = db.prepare<[number, number, string | null, string | null, number], DailyUsageRow>(
    `SELECT app_id AS appId, provider, model, strftime('%Y-%m-%d', at / 1000, 'unixepoch') AS day,
            COUNT(*) AS requests, COALESCE(SUM(status >= 400), 0) AS errors,
            COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens
       FROM request_log
      WHERE at >= ? AND at < ? AND (? IS NULL OR user_id = ?)
      GROUP BY app_id, provider, model, day
      ORDER BY day, app_id, provider, model
      LIMIT ?`,
  )

  // Settlements waiting to be written, one per counter row.
  const settlements = new Map<string, PendingSettlement>()
  let settleTimer: NodeJS.Timeout | undefined
  /** Writes the waiting settlements; the caller's transaction commits them, then calls `settled`. */
  function writeSettlements(): void {
    for (const { entry, requests, input, output } of settlements.values()) {
      if (requests !== 0 || input !== 0 || output !== 0) {
        tableOf(entry).settle.run(requests, input, output, ...keyOf(entry))
      }
    }
  }
  function settled(): void {
    settlements.clear()
    if (settleTimer) clearTimeout(settleTimer)
    settleTimer = undefined
  }
  const writeSettlementsNow = db.transaction(writeSettlements)
  function flush(): void {
    if (settlements.size > 0 && db.open) writeSettlementsNow.immediate()
    settled()
  }
  function flushLater(): void {
    settleTimer = undefined
    try {
      flush()
    } catch {
      // Kept for the next reservation's transaction, or the next try (the database was busy or failing; the
      // reservations that meet the same error report it).
      settleTimer = setTimeout(flushLater, SETTLE_DELAY_MS)
      settleTimer.unref()
    }
  }

  const capsOf = (budget: BudgetRecord) => [
    budget.maxRequests ?? NO_CAP,
    budget.maxInputTokens ?? NO_CAP,
    budget.maxOutputTokens ?? NO_CAP,
  ]

  /** Adds the call and the lease block to every budget if all stay within their caps; otherwise adds nothing. */
  function grantOne(
    budgets: readonly BudgetRecord[],
    periodStarts: readonly number[],
    estimate: Estimate,
    lease: BudgetCounters,
  ): Entry[] | undefined {
    const amount = [
      1 + lease.requests,
      estimate.inputTokens + lease.inputTokens,
      estimate.outputTokens + lease.outputTokens,
    ]
    const entries: Entry[] = []
    for (const [i, budget] of budgets.entries()) {
      const entry = budgetEntry(budget, periodStarts[i]!)
      const table = tableOf(entry)
      const key = keyOf(entry)
      const args = [...amount, ...key, ...capsOf(budget).map((cap, c) => cap - amount[c]!)]
      // The period's first call opens its row (unless the budget, or the app budget's user, is gone).
      const granted =
        table.grant.run(...args).changes === 1 ||
        (table.open.run(...key, key[0]!).changes === 1 && table.grant.run(...args).changes === 1)
      if (!granted) {
        for (const added of entries) tableOf(added).unbump.run(...amount, ...keyOf(added))
        return undefined
      }
      entries.push(entry)
    }
    return entries
  }

  /** Sums a correction into the waiting settlements of each counter row; written within 100 ms. */
  function addSettlement(entries: readonly Entry[], delta: BudgetCounters): void {
    const { requests, inputTokens: input, outputTokens: output } = delta
    if (requests === 0 && input === 0 && output === 0) return
    for (const entry of entries) {
      const id = `${entry.userId ?? ''}\0${entry.budgetId}\0${entry.periodStart}`
      const pending = settlements.get(id)
      if (pending) {
        pending.requests += requests
        pending.input += input
        pending.output += output
      } else settlements.set(id, { entry, requests, input, output })
    }
    if (!settleTimer) {
      settleTimer = setTimeout(flushLater, SETTLE_DELAY_MS)
      settleTimer.unref()
    }
  }

  /** Checks and adds one reservation inside the batch's transaction: all its budgets, or none. */
  function reserveOne(
    budgets: readonly BudgetRecord[],
    periodStarts: readonly number[],
    estimate: Estimate,
    lease: BudgetCounters | undefined,
  ): ReserveResult {
    const leased = lease && grantOne(budgets, periodStarts, estimate, lease)
    if (leased) return { ok: true, reservation: { entries: leased, ...estimate, lease } }
    const { inputTokens: input, outputTokens: output } = estimate
    const entries: Entry[] = []
    for (const [i, budget] of budgets.entries()) {
      const periodStart = periodStarts[i]!
      const entry = budgetEntry(budget, periodStart)
      const table = tableOf(entry)
      const key = keyOf(entry)
      // The usual case: this period's row exists and no cap is reached; one statement checks and adds.
      if (table.bump.run(input, output, ...key, ...capsOf(budget)).changes === 1) {
        entries.push(entry)
        continue
      }
      const refusal = reachedCap(budget, table.counters.get(...key) ?? ZERO, periodStart)
      if (refusal) {
        for (const added of entries) tableOf(added).unbump.run(1, input, output, ...keyOf(added))
        return { ok: false as const, refusal }
      }
      // The period's first call. No row is added for a budget (or, for an app budget, a user) deleted since the
      // caller read it: it no longer applies.
      if (table.insert.run(...key, input, output, key[0]!).changes === 1) entries.push(entry)
    }
    return { ok: true as const, reservation: { entries, ...estimate } }
  }
  const reserveBatch = db.transaction((batch: readonly QueuedReservation[]) => {
    writeSettlements()
    return batch.map((r) => reserveOne(r.budgets, r.periodStarts, r.estimate, r.lease))
  })
  const queue: QueuedReservation[] = []
  let drainScheduled = false
  function drain(): void {
    drainScheduled = false
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH)
      let results: ReserveResult[]
      try {
        if (!db.open) throw new Error('the store is closed')
        // IMMEDIATE takes the write lock before reading, so two processes sharing the file cannot both pass a
        // check; within this process better-sqlite3 is synchronous and nothing interleaves with the batch.
        results = reserveBatch.immediate(batch)
        settled()
      } catch (error) {
        for (const r of batch) r.reject(error)
        continue
      }
      for (const [i, r] of batch.entries()) r.resolve(results[i]!)
    }
  }

  const store: BudgetStore = {
    async listBudgets(userId) {
      return st().list.all(userId).map(toBudget)
    },
    async putBudget(budget) {
      st().upsert.run(budget)
      return toBudget(st().byScope.get(budget.userId, budget.provider, budget.period)!)
    },
    async deleteBudget(userId, id) {
      return st().remove.run(userId, id).changes > 0
    },
    async budgetCounters(budgetId, periodStart, userId) {
      flush()
      const row =
        userId === undefined
          ? st().user.counters.get(budgetId, periodStart)
          : st().app.counters.get(userId, budgetId, periodStart)
      return row ?? ZERO
    },
    reserveBudgets(budgets, periodStarts, estimate, lease) {
      return new Promise((resolve, reject) => {
        queue.push({ budgets, periodStarts, estimate, lease, resolve, reject })
        if (!drainScheduled) {
          drainScheduled = true
          setImmediate(drain)
        }
      })
    },
    async settleBudgets(reservation, used) {
      addSettlement(reservation.entries, {
        requests: 0,
        inputTokens: used.inputTokens - reservation.inputTokens,
        outputTokens: used.outputTokens - reservation.outputTokens,
      })
    },
    async releaseBudgets(entries, unused) {
      addSettlement(entries, {
        requests: -unused.requests,
        inputTokens: -unused.inputTokens,
        outputTokens: -unused.outputTokens,
      })
    },
    async dailyUsage({ from, to, userId, limit }) {
      flushLog()
      return daily.all(from, to, userId ?? null, userId ?? null, limit ?? DAILY_USAGE_ROW_LIMIT)
    },
  }
  return { store, flush }
}
