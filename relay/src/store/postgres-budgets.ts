import type pg from 'pg'
import { inTransaction } from './postgres-connect.js'
import { type BudgetRow, budgetEntry, toBudget } from './rows.js'
import {
  type BudgetCounters,
  type BudgetRefusal,
  type BudgetReservation,
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
    async budgetCounters(budgetId, periodStart, userId) {
      const result =
        userId === undefined
          ? await pool.query<BudgetCounters>(
              `SELECT ${COUNTERS} FROM budget_usage WHERE budget_id = $1 AND period_start = $2`,
              [budgetId, periodStart],
            )
          : await pool.query<BudgetCounters>(
              `SELECT ${COUNTERS} FROM app_budget_usage WHERE budget_id = $1 AND period_start = $2 AND user_id = $3`,
              [budgetId, periodStart, userId],
            )
      return result.rows[0] ?? ZERO
    },
    async reserveBudgets(budgets, periodStarts, estimate, lease) {
      const entries: CounterEntry[] = budgets.map((budget, i) => budgetEntry(budget, periodStarts[i]!))
      if (entries.length === 0) return { ok: true, reservation: { entries, ...estimate } }
      return inTransaction(pool, async (db) => {
        // Always own counters first, then app counters, each in key order: no two reservations wait on each other
        // in opposite orders.
        const used = new Map([
          ...(await lockCounters(
            db,
            OWN,
            entries.filter((e) => e.userId === undefined),
          )),
          ...(await lockCounters(
            db,
            APP,
            entries.filter((e) => e.userId !== undefined),
          )),
        ])
        const countersOf = (i: number) => used.get(counterKey(entries[i]!)) ?? ZERO
        if (lease) {
          // The call and the block, if every capped counter stays within its cap.
          const amount = {
            requests: 1 + lease.requests,
            inputTokens: estimate.inputTokens + lease.inputTokens,
            outputTokens: estimate.outputTokens + lease.outputTokens,
          }
          const fits = budgets.every((budget, i) => {
            const counters = countersOf(i)
            return (
              (budget.maxRequests === null || counters.requests + amount.requests <= budget.maxRequests) &&
              (budget.maxInputTokens === null ||
                counters.inputTokens + amount.inputTokens <= budget.maxInputTokens) &&
              (budget.maxOutputTokens === null ||
                counters.outputTokens + amount.outputTokens <= budget.maxOutputTokens)
            )
          })
          if (fits) {
            await addCounters(db, entries, amount.requests, amount.inputTokens, amount.outputTokens)
            return { ok: true as const, reservation: { entries, ...estimate, lease } }
          }
        }
        for (const [i, budget] of budgets.entries()) {
          const periodStart = periodStarts[i]!
          const counters = countersOf(i)
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
      // A budget (or user) deleted while its call was in flight took its counter rows with it: nothing to update.
      await addCounters(pool, reservation.entries, 0, input, output)
    },
    async releaseBudgets(entries, unused) {
      const { requests, inputTokens, outputTokens } = unused
      if (requests === 0 && inputTokens === 0 && outputTokens === 0) return
      await addCounters(pool, entries, -requests, -inputTokens, -outputTokens)
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

type CounterEntry = BudgetReservation['entries'][number]

/** Where one kind of counter lives: a user's own budget's per budget, an app budget's per (user, budget). */
interface CounterTable {
  readonly table: string
  readonly columns: readonly string[]
  readonly types: readonly string[]
  readonly values: (entry: CounterEntry) => readonly (string | number)[]
}
const OWN: CounterTable = {
  table: 'budget_usage',
  columns: ['budget_id', 'period_start'],
  types: ['text', 'bigint'],
  values: (e) => [e.budgetId, e.periodStart],
}
const APP: CounterTable = {
  table: 'app_budget_usage',
  columns: ['user_id', 'budget_id', 'period_start'],
  types: ['text', 'text', 'bigint'],
  values: (e) => [e.userId!, e.budgetId, e.periodStart],
}

const counterKey = (e: CounterEntry) => `${e.userId ?? ''}\n${e.budgetId}\n${e.periodStart}`

/** `unnest($1::text[], $2::bigint[], …)` over the entries, one array per key column, in key order. */
function unnestEntries(spec: CounterTable, entries: readonly CounterEntry[]) {
  // Ids are ASCII, so JavaScript's string order is the "C" collation the SQL below sorts by.
  const sorted = [...entries].sort((a, b) => {
    const [x, y] = [spec.values(a), spec.values(b)]
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1
    return 0
  })
  return {
    sql: `unnest(${spec.types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
    params: spec.columns.map((_, i) => sorted.map((e) => spec.values(e)[i])),
  }
}

/** Creates missing counter rows (a new period starts at zero), then locks them all; returns them by entry key. */
async function lockCounters(
  db: pg.PoolClient,
  spec: CounterTable,
  entries: readonly CounterEntry[],
): Promise<Map<string, BudgetCounters>> {
  if (entries.length === 0) return new Map()
  const { sql, params } = unnestEntries(spec, entries)
  const columns = spec.columns.join(', ')
  await db.query(`INSERT INTO ${spec.table} (${columns}) SELECT * FROM ${sql} ON CONFLICT DO NOTHING`, params)
  const locked = await db.query<
    BudgetCounters & { user_id?: string; budget_id: string; period_start: number }
  >(
    `SELECT ${columns}, ${COUNTERS} FROM ${spec.table} WHERE (${columns}) IN (SELECT * FROM ${sql})
      ORDER BY ${spec.columns.map((c) => (c === 'period_start' ? c : `${c} COLLATE "C"`)).join(', ')} FOR UPDATE`,
    params,
  )
  return new Map(
    locked.rows.map((r) => [
      counterKey({
        budgetId: r.budget_id,
        periodStart: r.period_start,
        ...(r.user_id ? { userId: r.user_id } : {}),
      }),
      { requests: r.requests, inputTokens: r.inputTokens, outputTokens: r.outputTokens },
    ]),
  )
}

/** Adds to existing counter rows, one statement per kind; counters never go below zero. */
async function addCounters(
  db: pg.Pool | pg.PoolClient,
  entries: readonly CounterEntry[],
  requests: number,
  input: number,
  output: number,
): Promise<void> {
  for (const spec of [OWN, APP]) {
    const mine = entries.filter((e) => (e.userId === undefined) === (spec === OWN))
    if (mine.length === 0) continue
    const { sql, params } = unnestEntries(spec, mine)
    const n = spec.columns.length
    await db.query(
      `UPDATE ${spec.table} u SET requests = GREATEST(u.requests + $${n + 1}, 0),
              input_tokens = GREATEST(u.input_tokens + $${n + 2}, 0),
              output_tokens = GREATEST(u.output_tokens + $${n + 3}, 0)
         FROM ${sql} AS e(${spec.columns.join(', ')})
        WHERE ${spec.columns.map((c) => `u.${c} = e.${c}`).join(' AND ')}`,
      [...params, requests, input, output],
    )
  }
}
