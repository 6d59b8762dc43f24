import type pg from 'pg'
import { inTransaction } from './postgres-connect.js'
import { type BudgetRow, toBudget } from './rows.js'
import {
  type BudgetCounters,
  type BudgetRefusal,
  type BudgetStore,
  DAILY_USAGE_ROW_LIMIT,
  type DailyUsageRow,
} from './types.js'

const ZERO: BudgetCounters = { requests: 0, inputTokens: 0, outputTokens: 0 }
const COUNTERS = 'requests, input_tokens AS "inputTokens", output_tokens AS "outputTokens"'

/**
 * The budget half of the Postgres store. Reservations lock their counter rows (`SELECT … FOR UPDATE`, in one
 * fixed order so two reservations over overlapping budgets cannot deadlock): the check and the add are exact
 * across every relay instance sharing the database. `flushLog` writes the batched request log first.
 */
export function createPostgresBudgetStore(pool: pg.Pool, flushLog: () => Promise<void>): BudgetStore {
  return {
    async listBudgets(userId) {
      const result = await pool.query<BudgetRow>(
        'SELECT * FROM budgets WHERE user_id = $1 ORDER BY provider COLLATE "C", period COLLATE "C"',
        [userId],
      )
      return result.rows.map(toBudget)
    },
    async putBudget(budget) {
      const result = await pool.query<BudgetRow>(
        `INSERT INTO budgets (id, user_id, provider, period, max_requests, max_input_tokens, max_output_tokens,
                              created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (user_id, provider, period) DO UPDATE SET
           max_requests = excluded.max_requests, max_input_tokens = excluded.max_input_tokens,
           max_output_tokens = excluded.max_output_tokens, updated_at = excluded.updated_at
         RETURNING *`,
        [
          budget.id,
          budget.userId,
          budget.provider,
          budget.period,
          budget.maxRequests,
          budget.maxInputTokens,
          budget.maxOutputTokens,
          budget.createdAt,
          budget.updatedAt,
        ],
      )
      return toBudget(result.rows[0]!)
    },
    async deleteBudget(userId, id) {
      const result = await pool.query('DELETE FROM budgets WHERE user_id = $1 AND id = $2', [userId, id])
      return (result.rowCount ?? 0) > 0
    },
    async budgetCounters(budgetId, periodStart) {
      const result = await pool.query<BudgetCounters>(
        `SELECT ${COUNTERS} FROM budget_usage WHERE budget_id = $1 AND period_start = $2`,
        [budgetId, periodStart],
      )
      return result.rows[0] ?? ZERO
    },
    async reserveBudgets(budgets, periodStarts, estimate) {
      if (budgets.length === 0) return { ok: true, reservation: { entries: [], ...estimate } }
      const entries = budgets.map((budget, i) => ({ budgetId: budget.id, periodStart: periodStarts[i]! }))
      // Rows are created and locked in one order (ids are ASCII, so JavaScript's order is "C" collation's).
      const ordered = [...entries].sort((a, b) =>
        a.budgetId === b.budgetId ? a.periodStart - b.periodStart : a.budgetId < b.budgetId ? -1 : 1,
      )
      return inTransaction(pool, async (db) => {
        const ids = ordered.map((e) => e.budgetId)
        const starts = ordered.map((e) => e.periodStart)
        // Counter rows exist before they are locked (a new period starts at zero).
        await db.query(
          `INSERT INTO budget_usage (budget_id, period_start)
           SELECT * FROM unnest($1::text[], $2::bigint[]) ON CONFLICT DO NOTHING`,
          [ids, starts],
        )
        const locked = await db.query<BudgetCounters & { budget_id: string; period_start: number }>(
          `SELECT budget_id, period_start, ${COUNTERS} FROM budget_usage
            WHERE (budget_id, period_start) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))
            ORDER BY budget_id COLLATE "C", period_start FOR UPDATE`,
          [ids, starts],
        )
        const used = new Map(locked.rows.map((r) => [`${r.budget_id}\n${r.period_start}`, r]))
        for (const [i, budget] of budgets.entries()) {
          const periodStart = periodStarts[i]!
          const counters = used.get(`${budget.id}\n${periodStart}`) ?? ZERO
          const refusal = (counter: BudgetRefusal['counter'], limit: number, value: number) => ({
            ok: false as const,
            refusal: { budget, counter, limit, used: value, periodStart },
          })
          if (budget.maxRequests !== null && counters.requests + 1 > budget.maxRequests)
            return refusal('requests', budget.maxRequests, counters.requests)
          if (budget.maxInputTokens !== null && counters.inputTokens >= budget.maxInputTokens)
            return refusal('input_tokens', budget.maxInputTokens, counters.inputTokens)
          if (budget.maxOutputTokens !== null && counters.outputTokens >= budget.maxOutputTokens)
            return refusal('output_tokens', budget.maxOutputTokens, counters.outputTokens)
        }
        await addCounters(db, entries, 1, estimate.inputTokens, estimate.outputTokens)
        return { ok: true as const, reservation: { entries, ...estimate } }
      })
    },
    async settleBudgets(reservation, used) {
      const input = used.inputTokens - reservation.inputTokens
      const output = used.outputTokens - reservation.outputTokens
      if (input === 0 && output === 0) return
      // One statement: a budget deleted while its call was in flight took its counter rows with it.
      await addCounters(pool, reservation.entries, 0, input, output)
    },
    async dailyUsage({ from, to, userId, limit }) {
      await flushLog()
      const result = await pool.query<DailyUsageRow>(
        `SELECT app_id AS "appId", provider, model,
                to_char(to_timestamp(at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
                count(*) AS requests, count(*) FILTER (WHERE status >= 400) AS errors,
                COALESCE(sum(input_tokens), 0) AS "inputTokens", COALESCE(sum(output_tokens), 0) AS "outputTokens"
           FROM request_log
          WHERE at >= $1 AND at < $2 AND ($3::text IS NULL OR user_id = $3)
          GROUP BY app_id, provider, model, day
          ORDER BY day, app_id COLLATE "C", provider COLLATE "C", model COLLATE "C" NULLS FIRST
          LIMIT $4`,
        [from, to, userId ?? null, limit ?? DAILY_USAGE_ROW_LIMIT],
      )
      return result.rows
    },
  }
}

/** Adds to existing counter rows in one statement; token counters never go below zero. */
async function addCounters(
  db: pg.Pool | pg.PoolClient,
  entries: readonly { budgetId: string; periodStart: number }[],
  requests: number,
  input: number,
  output: number,
): Promise<void> {
  await db.query(
    `UPDATE budget_usage u SET requests = u.requests + $3,
            input_tokens = GREATEST(u.input_tokens + $4, 0), output_tokens = GREATEST(u.output_tokens + $5, 0)
       FROM unnest($1::text[], $2::bigint[]) AS e(budget_id, period_start)
      WHERE u.budget_id = e.budget_id AND u.period_start = e.period_start`,
    [entries.map((e) => e.budgetId), entries.map((e) => e.periodStart), requests, input, output],
  )
}
