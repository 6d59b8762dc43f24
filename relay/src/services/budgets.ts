import { randomBytes } from 'node:crypto'
import type { AppBudget } from '../config-files.js'
import { RelayError } from '../errors.js'
import { MAX_LOGGED_TOKENS, type Usage } from '../proxy/usage.js'
import { type InvalidationBus, LOCAL_ONLY } from '../store/invalidation.js'
import { createTtlMap } from '../store/read-cache.js'
import type {
  BudgetCounters,
  BudgetPeriod,
  BudgetRecord,
  BudgetRefusal,
  BudgetReservation,
  Store,
} from '../store/types.js'

/** A budget with its counters for the current period, as `GET /budgets` shows it. */
export interface BudgetStatus {
  readonly budget: BudgetRecord
  readonly used: BudgetCounters
  readonly periodStart: number
  readonly resetsAt: number
}

export interface BudgetInput {
  readonly provider: string
  readonly period: BudgetPeriod
  readonly maxRequests: number | null
  readonly maxInputTokens: number | null
  readonly maxOutputTokens: number | null
}

export interface Budgets {
  /**
   * The hot path's only cost when neither the user nor the operator (for this app) set a budget: true when it
   * is known that none applies. False when there is one, or the user's list is not cached; `reserve` then loads it.
   */
  noneApply(userId: string, appId: string): boolean
  /**
   * Counts the call against every budget that applies (the user's for this provider and for all, and the
   * operator's for this app), atomically with the check; throws 429 `budget_exceeded` when one is spent. Null
   * when no budget applies.
   */
  reserve(
    caller: { userId: string; appId: string },
    provider: string,
    body: Buffer | undefined,
  ): Promise<BudgetReservation | null>
  /** Corrects the reservation with the tokens the provider reported (its estimate when it reported none). */
  settle(reservation: BudgetReservation, outcome: { status: number; usage: Usage }): Promise<void>
  list(userId: string): Promise<BudgetStatus[]>
  put(userId: string, input: BudgetInput): Promise<BudgetStatus>
  delete(userId: string, id: string): Promise<boolean>
}

/** Start of the UTC day or month that contains `at`, and the start of the next one (when counters reset). */
function periodBounds(period: BudgetPeriod, at: number): { start: number; end: number } {
  const d = new Date(at)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  return period === 'day'
    ? { start: Date.UTC(y, m, d.getUTCDate()), end: Date.UTC(y, m, d.getUTCDate() + 1) }
    : { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) }
}

const OUTPUT_CAP_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const

/**
 * What a call may spend, reserved before it is forwarded so that parallel calls see each other: the prompt at
 * about 4 bytes per token (the body includes JSON overhead, so this tends high), and the output cap the request
 * names (OpenAI `max_tokens` / `max_completion_tokens` / Responses `max_output_tokens`, Anthropic `max_tokens`,
 * Gemini `generationConfig.maxOutputTokens`), or 0 when it names none.
 */
function estimateTokens(body: Buffer | undefined): { inputTokens: number; outputTokens: number } {
  if (!body || body.length === 0) return { inputTokens: 0, outputTokens: 0 }
  const inputTokens = Math.min(Math.ceil(body.length / 4), MAX_LOGGED_TOKENS)
  let outputTokens = 0
  try {
    const json: unknown = JSON.parse(body.toString('utf8'))
    if (typeof json === 'object' && json !== null) {
      const o = json as Record<string, unknown>
      const config = o.generationConfig as Record<string, unknown> | undefined
      const candidates = [...OUTPUT_CAP_FIELDS.map((f) => o[f]), config?.maxOutputTokens]
      const cap = candidates.find((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
      if (typeof cap === 'number') outputTokens = Math.min(cap, MAX_LOGGED_TOKENS)
    }
  } catch {
    // Not JSON (multipart audio, …): no output estimate.
  }
  return { inputTokens, outputTokens }
}

const COUNTER_NAMES = {
  requests: 'requests',
  input_tokens: 'input tokens',
  output_tokens: 'output tokens',
} as const

function exceeded(refusal: BudgetRefusal, now: number): RelayError {
  const { budget, counter, limit, used } = refusal
  const resetsAt = periodBounds(budget.period, now).end
  const scope = budget.provider === '*' ? 'all providers' : budget.provider
  const retryAfter = Math.max(1, Math.ceil((resetsAt - now) / 1000))
  const operator = budget.appId !== undefined
  return new RelayError('budget_exceeded', {
    message:
      `${operator ? `App budget ${budget.id} (set by the relay operator)` : `Budget ${budget.id}`} exceeded: ` +
      `${Math.min(used, limit)} of ${limit} ${COUNTER_NAMES[counter]} per ${budget.period} for ${scope} used; ` +
      `it resets at ${new Date(resetsAt).toISOString()}`,
    ...(operator && {
      hint: 'The relay operator caps every user of this app; wait for the number of seconds in Retry-After.',
    }),
    headers: { 'retry-after': String(retryAfter) },
  })
}

/** The operator's budget for this app as a record counted for this user. */
function asRecord(budget: AppBudget, userId: string): BudgetRecord {
  const { id, appId, provider, period, maxRequests, maxInputTokens, maxOutputTokens } = budget
  return {
    id,
    appId,
    userId,
    provider,
    period,
    maxRequests,
    maxInputTokens,
    maxOutputTokens,
    createdAt: 0,
    updatedAt: 0,
  }
}

/**
 * How stale another process's budget change may be here when nothing tells this one (this process invalidates
 * at once; with Redis every instance does). The counters themselves live in the shared store.
 */
const CACHE_TTL_MS = 5_000

export function createBudgets(deps: {
  store: Store
  now: () => number
  /** The operator's budgets per app (APP_BUDGETS_FILE). */
  appBudgets?: readonly AppBudget[]
  bus?: InvalidationBus
}): Budgets {
  const { store, now } = deps
  const bus = deps.bus ?? LOCAL_ONLY
  const cache = createTtlMap<readonly BudgetRecord[]>(CACHE_TTL_MS, 10_000, now)
  const byApp = new Map<string, AppBudget[]>()
  for (const b of deps.appBudgets ?? []) byApp.set(b.appId, [...(byApp.get(b.appId) ?? []), b])
  bus.subscribe((message) => {
    if (message.kind === 'budgets') cache.delete(message.userId)
    else if (message.kind === 'all') cache.clear()
  })

  async function load(userId: string): Promise<readonly BudgetRecord[]> {
    const cached = cache.get(userId)
    if (cached) return cached
    const budgets = await store.listBudgets(userId)
    cache.set(userId, budgets)
    return budgets
  }

  async function status(budget: BudgetRecord): Promise<BudgetStatus> {
    const { start, end } = periodBounds(budget.period, now())
    return { budget, used: await store.budgetCounters(budget.id, start), periodStart: start, resetsAt: end }
  }

  return {
    noneApply: (userId, appId) => cache.get(userId)?.length === 0 && !byApp.has(appId),
    async reserve({ userId, appId }, provider, body) {
      const applies = (b: { provider: string }) => b.provider === '*' || b.provider === provider
      const applicable = [
        ...(await load(userId)).filter(applies),
        ...(byApp.get(appId) ?? []).filter(applies).map((b) => asRecord(b, userId)),
      ]
      if (applicable.length === 0) return null
      const at = now()
      const countsTokens = applicable.some((b) => b.maxInputTokens !== null || b.maxOutputTokens !== null)
      const result = await store.reserveBudgets(
        applicable,
        applicable.map((b) => periodBounds(b.period, at).start),
        countsTokens ? estimateTokens(body) : { inputTokens: 0, outputTokens: 0 },
      )
      if (!result.ok) throw exceeded(result.refusal, at)
      return result.reservation
    },
    async settle(reservation, { status, usage }) {
      // A call the provider refused spent nothing; one that ended without usage keeps its estimate.
      const fallback = status < 400
      await store.settleBudgets(reservation, {
        inputTokens: usage.inputTokens ?? (fallback ? reservation.inputTokens : 0),
        outputTokens: usage.outputTokens ?? (fallback ? reservation.outputTokens : 0),
      })
    },
    async list(userId) {
      return Promise.all((await store.listBudgets(userId)).map(status))
    },
    async put(userId, input) {
      const at = now()
      const stored = await store.putBudget({
        id: `bgt_${randomBytes(9).toString('base64url')}`,
        userId,
        ...input,
        createdAt: at,
        updatedAt: at,
      })
      cache.delete(userId)
      await bus.publish({ kind: 'budgets', userId })
      return status(stored)
    },
    async delete(userId, id) {
      cache.delete(userId)
      const deleted = await store.deleteBudget(userId, id)
      await bus.publish({ kind: 'budgets', userId })
      return deleted
    },
  }
}
