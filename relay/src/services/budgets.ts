import { randomBytes } from 'node:crypto'
import type { AppBudget } from '../config-files.js'
import { RelayError } from '../errors.js'
import { MAX_LOGGED_TOKENS, type Usage } from '../proxy/usage.js'
import { type InvalidationBus, LOCAL_ONLY } from '../store/invalidation.js'
import { createTtlMap } from '../store/read-cache.js'
import { budgetEntry } from '../store/rows.js'
import type {
  BudgetCounters,
  BudgetPeriod,
  BudgetRecord,
  BudgetRefusal,
  BudgetReservation,
  CapPeriod,
  Store,
  TokenCap,
  TokenScope,
} from '../store/types.js'
import { createLeases, entryKey } from './budget-leases.js'
import { capBudgetId, capRecord, describePeriod } from './token-caps.js'

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

/** A token cap with its counters for the current period, as `GET /tokens` shows it. */
export interface TokenCapStatus {
  readonly cap: TokenCap
  readonly used: BudgetCounters
  /** null for a cap over the token's life. */
  readonly resetsAt: number | null
}

/** Who a call is counted for: the user, their app, and the token's caps (`scope.caps`, scoped tokens only). */
export interface BudgetCaller {
  readonly userId: string
  readonly appId: string
  readonly scope?: TokenScope | null
}

export interface Budgets {
  /**
   * The hot path's only cost when neither the user nor the operator (for this app) set a budget and the token
   * has no cap: true when it is known that none applies. False when there is one, or the user's list is not
   * cached; `reserve` then loads it.
   */
  noneApply(caller: BudgetCaller): boolean
  /**
   * Counts the call against every budget that applies (the user's for this provider and for all, the operator's
   * for this app, and the token's caps), atomically with the check; throws 429 `budget_exceeded` (or
   * `token_cap_exceeded`) when one is spent. Null when no budget applies. `json`: the body already parsed, if it was.
   */
  reserve(
    caller: BudgetCaller,
    provider: string,
    body: Buffer | undefined,
    json?: unknown,
  ): Promise<BudgetReservation | null>
  /** Corrects the reservation with the tokens the provider reported (its estimate when it reported none). */
  settle(reservation: BudgetReservation, outcome: { status: number; usage: Usage }): Promise<void>
  list(userId: string): Promise<BudgetStatus[]>
  put(userId: string, input: BudgetInput): Promise<BudgetStatus>
  delete(userId: string, id: string): Promise<boolean>
  /** Each cap's counters for its current period (metadata for `GET /tokens`). */
  capStatus(userId: string, caps: readonly TokenCap[]): Promise<TokenCapStatus[]>
  /** Gives back the allowance this process leased (before the store closes). */
  close(): Promise<void>
}

/**
 * Start of the UTC day or month that contains `at`, and the start of the next one (when counters reset); a
 * token's `total` cap has one period that never ends.
 */
export function periodBounds(period: CapPeriod, at: number): { start: number; end: number } {
  if (period === 'total') return { start: 0, end: Number.POSITIVE_INFINITY }
  const d = new Date(at)
  const y = d.getUTCFullYear()
  const m = d.getUTCMonth()
  return period === 'day'
    ? { start: Date.UTC(y, m, d.getUTCDate()), end: Date.UTC(y, m, d.getUTCDate() + 1) }
    : { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) }
}

/** `periodBounds`, computed again only when `at` leaves the bounds it last returned for the period. */
function createPeriodBounds(): typeof periodBounds {
  const last = new Map<CapPeriod, { start: number; end: number }>()
  return (period, at) => {
    let bounds = last.get(period)
    if (!bounds || at < bounds.start || at >= bounds.end) {
      bounds = periodBounds(period, at)
      last.set(period, bounds)
    }
    return bounds
  }
}

const OUTPUT_CAP_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const
/** Every output cap field starts with it (`maxOutputTokens` too): a body without it is not parsed. */
const OUTPUT_CAP_MARK = Buffer.from('"max')
const NO_TOKENS = { inputTokens: 0, outputTokens: 0 } as const

/**
 * What a call may spend, reserved before it is forwarded so that parallel calls see each other: the prompt at
 * about 4 bytes per token (the body includes JSON overhead, so this tends high), and the output cap the request
 * names (OpenAI `max_tokens` / `max_completion_tokens` / Responses `max_output_tokens`, Anthropic `max_tokens`,
 * Gemini `generationConfig.maxOutputTokens`), or 0 when it names none. `json` is the body already parsed (the
 * relay route parses an application/json body once, on arrival); without it the body is parsed here when it
 * may name a cap.
 */
export function estimateTokens(
  body: Buffer | undefined,
  json?: unknown,
): { inputTokens: number; outputTokens: number } {
  if (!body || body.length === 0) return NO_TOKENS
  const inputTokens = Math.min(Math.ceil(body.length / 4), MAX_LOGGED_TOKENS)
  let parsed = json
  if (parsed === undefined) {
    // A field name written with JSON escapes escapes this scan; it only loses the client its own estimate.
    if (!body.includes(OUTPUT_CAP_MARK)) return { inputTokens, outputTokens: 0 }
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      return { inputTokens, outputTokens: 0 } // not JSON (multipart audio, …): no output estimate
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return { inputTokens, outputTokens: 0 }
  const o = parsed as Record<string, unknown>
  const config = o.generationConfig as Record<string, unknown> | undefined
  const candidates = [...OUTPUT_CAP_FIELDS.map((f) => o[f]), config?.maxOutputTokens]
  const cap = candidates.find((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)
  return { inputTokens, outputTokens: typeof cap === 'number' ? Math.min(cap, MAX_LOGGED_TOKENS) : 0 }
}

const COUNTER_NAMES = {
  requests: 'requests',
  input_tokens: 'input tokens',
  output_tokens: 'output tokens',
} as const

function capExceeded(refusal: BudgetRefusal, now: number): RelayError {
  const { budget, counter, limit, used } = refusal
  const resetsAt = periodBounds(budget.period, now).end
  const lifetime = budget.period === 'total'
  return new RelayError('token_cap_exceeded', {
    message:
      `The cap set on token ${budget.tokenId} is used up: ${Math.min(used, limit)} of ${limit} ` +
      `${COUNTER_NAMES[counter]} ${describePeriod(budget.period)}; ` +
      (lifetime ? 'it does not reset' : `it resets at ${new Date(resetsAt).toISOString()}`),
    ...(lifetime && { hint: 'A cap over the token’s life does not reset: ask the app for a new token.' }),
    ...(!lifetime && {
      headers: { 'retry-after': String(Math.max(1, Math.ceil((resetsAt - now) / 1000))) },
    }),
  })
}

function exceeded(refusal: BudgetRefusal, now: number): RelayError {
  if (refusal.budget.tokenId !== undefined) return capExceeded(refusal, now)
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
/** The budgets that apply to one user's calls through one app to one provider, and their counter rows now. */
interface Plan {
  readonly applicable: readonly BudgetRecord[]
  readonly countsTokens: boolean
  /** The rows below are those of `[from, until)`, where every budget's period is the same. */
  from: number
  until: number
  periodStarts: number[]
  entries: BudgetReservation['entries'][number][]
  keys: string[]
}

/** How many times a call waits for another call's lease request on its rows before the store checks it alone. */
const MAX_LEASE_WAITS = 2

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
  const leases = createLeases(store)
  const bounds = createPeriodBounds()
  // A lease was sized for the caps it was granted under: a budget change gives it back (the store keeps the error
  // when the write fails, erring towards refusal).
  const ignore = () => {}
  bus.subscribe((message) => {
    if (message.kind === 'budgets') {
      cache.delete(message.userId)
      leases.releaseUser(message.userId).catch(ignore)
    } else if (message.kind === 'all') {
      cache.clear()
      leases.releaseAll().catch(ignore)
    }
  })

  async function load(userId: string): Promise<readonly BudgetRecord[]> {
    const budgets = await store.listBudgets(userId)
    cache.set(userId, budgets)
    return budgets
  }

  // Per cached budget list: what applies per app and provider, so a call allocates next to nothing.
  const plans = new WeakMap<readonly BudgetRecord[], Map<string, Plan | null>>()
  function planFor(
    list: readonly BudgetRecord[],
    userId: string,
    appId: string,
    provider: string,
    at: number,
  ) {
    let byCall = plans.get(list)
    if (!byCall) {
      byCall = new Map()
      plans.set(list, byCall)
    }
    const id = `${appId}\n${provider}`
    let plan = byCall.get(id)
    if (plan === undefined) {
      const applies = (b: { provider: string }) => b.provider === '*' || b.provider === provider
      const applicable = [
        ...list.filter(applies),
        ...(byApp.get(appId) ?? []).filter(applies).map((b) => asRecord(b, userId)),
      ]
      plan = applicable.length === 0 ? null : newPlan(applicable)
      byCall.set(id, plan)
    }
    if (plan && (at < plan.from || at >= plan.until)) toPeriod(plan, at)
    return plan
  }

  function newPlan(applicable: readonly BudgetRecord[]): Plan {
    return {
      applicable,
      countsTokens: applicable.some((b) => b.maxInputTokens !== null || b.maxOutputTokens !== null),
      from: 0,
      until: 0,
      periodStarts: [],
      entries: [],
      keys: [],
    }
  }

  /** The plan's counter rows for the period that contains `at`. */
  function toPeriod(plan: Plan, at: number): Plan {
    const periods = plan.applicable.map((b) => bounds(b.period, at))
    plan.from = Math.max(...periods.map((p) => p.start))
    plan.until = Math.min(...periods.map((p) => p.end))
    plan.periodStarts = periods.map((p) => p.start)
    plan.entries = plan.applicable.map((b, i) => budgetEntry(b, plan.periodStarts[i]!))
    plan.keys = plan.entries.map(entryKey)
    return plan
  }

  // A token's caps (and its ancestors') join the call's plan; per call, as scoped tokens with caps are few.
  function withCaps(base: Plan | null, caps: readonly TokenCap[], caller: BudgetCaller, at: number): Plan {
    const applicable = [...(base?.applicable ?? []), ...caps.map((cap) => capRecord(cap, caller))]
    return toPeriod(newPlan(applicable), at)
  }

  /** A counter row's use: the store's counters include what this process leased and has not spent yet. */
  async function usedOn(entry: BudgetReservation['entries'][number]): Promise<BudgetCounters> {
    const counters = await store.budgetCounters(entry.budgetId, entry.periodStart, entry.userId)
    const held = leases.heldOn(entry)
    return held
      ? {
          requests: counters.requests - held.requests,
          inputTokens: counters.inputTokens - held.inputTokens,
          outputTokens: counters.outputTokens - held.outputTokens,
        }
      : counters
  }

  async function status(budget: BudgetRecord): Promise<BudgetStatus> {
    const { start, end } = bounds(budget.period, now())
    const used = await usedOn({ budgetId: budget.id, periodStart: start })
    return { budget, used, periodStart: start, resetsAt: end }
  }

  return {
    noneApply: ({ userId, appId, scope }) =>
      scope?.caps === undefined && cache.get(userId)?.length === 0 && !byApp.has(appId),
    async reserve(caller, provider, body, json) {
      const { userId, appId } = caller
      const list = cache.get(userId) ?? (await load(userId))
      const at = now()
      const caps = caller.scope?.caps
      const base = planFor(list, userId, appId, provider, at)
      const plan = caps && caps.length > 0 ? withCaps(base, caps, caller, at) : base
      if (!plan) return null
      const { applicable, periodStarts, entries, keys } = plan
      const estimate = plan.countsTokens ? estimateTokens(body, json) : NO_TOKENS
      // The usual case far from the caps: the call is spent from this process's leases, without the store. When
      // they do not cover it, one call asks the store for a new block and the others wait for that, or (after
      // waiting twice) are checked by the store call by call.
      if (leases.take(keys, estimate)) return { entries, ...estimate }
      const waited = await leases.waitAndTake(keys, estimate, MAX_LEASE_WAITS)
      if (waited === 'taken') return { entries, ...estimate }
      const result =
        waited === 'free'
          ? await leases.renew(keys, userId, applicable, estimate, (lease) =>
              store.reserveBudgets(applicable, periodStarts, estimate, lease),
            )
          : await store.reserveBudgets(applicable, periodStarts, estimate)
      if (result.ok) return result.reservation
      // The store's counters include the leases this process holds or is giving back: a block granted meanwhile
      // may cover the call, or one given back leave room for it.
      if ((await leases.waitAndTake(keys, estimate, MAX_LEASE_WAITS)) === 'taken')
        return { entries, ...estimate }
      if (await leases.releasesWritten()) {
        const again = await store.reserveBudgets(applicable, periodStarts, estimate)
        if (again.ok) return again.reservation
      }
      throw exceeded(result.refusal, at)
    },
    async settle(reservation, { status, usage }) {
      // A call the provider refused spent nothing; one that ended without usage keeps its estimate.
      const fallback = status < 400
      const used = {
        inputTokens: usage.inputTokens ?? (fallback ? reservation.inputTokens : 0),
        outputTokens: usage.outputTokens ?? (fallback ? reservation.outputTokens : 0),
      }
      const { inputTokens, outputTokens } = reservation
      const entries = leases.settle(reservation.entries, { inputTokens, outputTokens }, used)
      if (entries.length > 0) await store.settleBudgets({ entries, inputTokens, outputTokens }, used)
    },
    async list(userId) {
      return Promise.all((await store.listBudgets(userId)).map(status))
    },
    async capStatus(userId, caps) {
      const at = now()
      return Promise.all(
        caps.map(async (cap) => {
          const { start, end } = periodBounds(cap.period, at)
          const used = await usedOn({ budgetId: capBudgetId(cap), periodStart: start, userId })
          return { cap, used, resetsAt: cap.period === 'total' ? null : end }
        }),
      )
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
      await leases.releaseUser(userId)
      await bus.publish({ kind: 'budgets', userId })
      return status(stored)
    },
    async delete(userId, id) {
      cache.delete(userId)
      const deleted = await store.deleteBudget(userId, id)
      await leases.releaseUser(userId)
      await bus.publish({ kind: 'budgets', userId })
      return deleted
    },
    close: () => leases.releaseAll(),
  }
}
