import type Database from 'better-sqlite3'
import { type BudgetRow, toBudget } from './rows.js'
import {
  type BudgetCounters,
  type BudgetRecord,
  type BudgetRefusal,
  type BudgetReservation,
  type BudgetStore,
  DAILY_USAGE_ROW_LIMIT,
  type DailyUsageRow,
} from './types.js'

interface AddCounters {
  budgetId: string
  periodStart: number
  requests: number
  input: number
  output: number
}

const ZERO: BudgetCounters = { requests: 0, inputTokens: 0, outputTokens: 0 }

/**
 * The budget half of the SQLite store (migration 4). `flushLog` writes the batched request log first, so usage
 * reports include the calls that just ended.
 */
export function prepareBudgetStore(db: Database.Database, flushLog: () => void): BudgetStore {
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
    const counters = db.prepare<[string, number], BudgetCounters>(
      `SELECT requests, input_tokens AS inputTokens, output_tokens AS outputTokens
       FROM budget_usage WHERE budget_id = ? AND period_start = ?`,
    )
    const add = db.prepare<[AddCounters]>(
      `INSERT INTO budget_usage (budget_id, period_start, requests, input_tokens, output_tokens)
     VALUES (@budgetId, @periodStart, @requests, MAX(@input, 0), MAX(@output, 0))
     ON CONFLICT (budget_id, period_start) DO UPDATE SET
       requests = requests + @requests,
       input_tokens = MAX(input_tokens + @input, 0),
       output_tokens = MAX(output_tokens + @output, 0)`,
    )
    const exists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM budgets WHERE id = ?')
    // App budgets (migration 5): the same counters, per user.
    const appCounters = db.prepare<[string, string, number], BudgetCounters>(
      `SELECT requests, input_tokens AS inputTokens, output_tokens AS outputTokens
       FROM app_budget_usage WHERE user_id = ? AND budget_id = ? AND period_start = ?`,
    )
    const appAdd = db.prepare<[AddCounters & { userId: string }]>(
      `INSERT INTO app_budget_usage (user_id, budget_id, period_start, requests, input_tokens, output_tokens)
     VALUES (@userId, @budgetId, @periodStart, @requests, MAX(@input, 0), MAX(@output, 0))
     ON CONFLICT (user_id, budget_id, period_start) DO UPDATE SET
       requests = requests + @requests,
       input_tokens = MAX(input_tokens + @input, 0),
       output_tokens = MAX(output_tokens + @output, 0)`,
    )
    const userExists = db.prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?')
    return { list, upsert, byScope, remove, counters, add, exists, appCounters, appAdd, userExists }
  }
  /** Adds to a budget's counters: an app budget's per user, a user's own per budget. */
  function addTo(
    entry: BudgetReservation['entries'][number],
    counters: Omit<AddCounters, 'budgetId' | 'periodStart'>,
  ) {
    if (entry.userId === undefined) {
      // A budget deleted while its call was in flight: the settlement must not fail on the foreign key.
      if (st().exists.get(entry.budgetId)) st().add.run({ ...entry, ...counters })
    } else if (st().userExists.get(entry.userId)) {
      st().appAdd.run({
        budgetId: entry.budgetId,
        periodStart: entry.periodStart,
        userId: entry.userId,
        ...counters,
      })
    }
  }
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

  const reserve = db.transaction(
    (
      budgets: readonly BudgetRecord[],
      periodStarts: readonly number[],
      estimate: { inputTokens: number; outputTokens: number },
    ): { ok: true; reservation: BudgetReservation } | { ok: false; refusal: BudgetRefusal } => {
      for (const [i, budget] of budgets.entries()) {
        const periodStart = periodStarts[i]!
        const used =
          (budget.appId === undefined
            ? st().counters.get(budget.id, periodStart)
            : st().appCounters.get(budget.userId, budget.id, periodStart)) ?? ZERO
        const refusal = (counter: BudgetRefusal['counter'], limit: number, value: number) => ({
          ok: false as const,
          refusal: { budget, counter, limit, used: value, periodStart },
        })
        if (budget.maxRequests !== null && used.requests + 1 > budget.maxRequests)
          return refusal('requests', budget.maxRequests, used.requests)
        if (budget.maxInputTokens !== null && used.inputTokens >= budget.maxInputTokens)
          return refusal('input_tokens', budget.maxInputTokens, used.inputTokens)
        if (budget.maxOutputTokens !== null && used.outputTokens >= budget.maxOutputTokens)
          return refusal('output_tokens', budget.maxOutputTokens, used.outputTokens)
      }
      const entries = budgets.map((budget, i) => {
        const entry = {
          budgetId: budget.id,
          periodStart: periodStarts[i]!,
          ...(budget.appId === undefined ? {} : { userId: budget.userId }),
        }
        addTo(entry, { requests: 1, input: estimate.inputTokens, output: estimate.outputTokens })
        return entry
      })
      return { ok: true, reservation: { entries, ...estimate } }
    },
  )
  const settle = db.transaction((reservation: BudgetReservation, used: BudgetCounters) => {
    const input = used.inputTokens - reservation.inputTokens
    const output = used.outputTokens - reservation.outputTokens
    if (input === 0 && output === 0) return
    for (const entry of reservation.entries) addTo(entry, { requests: 0, input, output })
  })

  return {
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
    async budgetCounters(budgetId, periodStart) {
      return st().counters.get(budgetId, periodStart) ?? ZERO
    },
    async reserveBudgets(budgets, periodStarts, estimate) {
      // IMMEDIATE takes the write lock before reading, so two processes sharing the file cannot both pass the
      // check; within this process better-sqlite3 is synchronous and the check and the add cannot interleave.
      return reserve.immediate(budgets, periodStarts, estimate)
    },
    async settleBudgets(reservation, used) {
      settle.immediate(reservation, { requests: 0, ...used })
    },
    async dailyUsage({ from, to, userId, limit }) {
      flushLog()
      return daily.all(from, to, userId ?? null, userId ?? null, limit ?? DAILY_USAGE_ROW_LIMIT)
    },
  }
}
