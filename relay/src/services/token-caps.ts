import { RelayError } from '../errors.js'
import type { BudgetRecord, CapPeriod, TokenCap } from '../store/types.js'

/** What `POST /tokens` asks for in `cap`; an omitted (or null) counter keeps the parent's cap on it (or none). */
export interface CapRequest {
  /** Omitted: the parent's cap period, or `total` when the parent is uncapped. */
  readonly period?: CapPeriod
  readonly maxRequests?: number | null
  readonly maxInputTokens?: number | null
  readonly maxOutputTokens?: number | null
}

/** Most caps one token carries (its own and its ancestors'): each is one counter row per call. */
export const MAX_CAPS = 8

const COUNTERS = [
  ['maxRequests', 'requests'],
  ['maxInputTokens', 'input tokens'],
  ['maxOutputTokens', 'output tokens'],
] as const

/** `per day`, `per month`, or `over the token's life`. */
export function describePeriod(period: CapPeriod): string {
  return period === 'total' ? 'over the token’s life' : `per ${period}`
}

/**
 * The caps of a token minted from one that carries `parent`: the parent's caps (their counters are shared, so
 * calls through the new token count against them), then its own if `request` asks for one. The own cap is never
 * wider than the parent's nearest cap: the same period, and no counter above it (an omitted counter inherits
 * it). Throws `token_scope_widen` for a wider request. Undefined = uncapped.
 *
 * @example
 * narrowCaps(undefined, { period: 'day', maxRequests: 100 }, tokenId) // [{ tokenId, period: 'day', maxRequests: 100, … }]
 */
export function narrowCaps(
  parent: readonly TokenCap[] | undefined,
  request: CapRequest | undefined,
  tokenId: string,
): readonly TokenCap[] | undefined {
  const inherited = parent ?? []
  if (request === undefined) return inherited.length > 0 ? inherited : undefined
  if (COUNTERS.every(([field]) => request[field] == null)) {
    throw new RelayError('validation_error', {
      message: 'body.cap needs at least one of max_requests, max_input_tokens, max_output_tokens',
    })
  }
  const nearest = inherited.at(-1)
  const period = request.period ?? nearest?.period ?? 'total'
  if (nearest && period !== nearest.period) {
    throw new RelayError('token_scope_widen', {
      message: `This token is capped ${describePeriod(nearest.period)}; a token it mints is capped the same way`,
    })
  }
  if (inherited.length >= MAX_CAPS) {
    throw new RelayError('validation_error', {
      message: `A token carries at most ${MAX_CAPS} caps (its own and those of the tokens it was minted from)`,
    })
  }
  const limits: Record<(typeof COUNTERS)[number][0], number | null> = {
    maxRequests: null,
    maxInputTokens: null,
    maxOutputTokens: null,
  }
  for (const [field, name] of COUNTERS) {
    const ceiling = nearest?.[field] ?? null
    const requested = request[field] ?? null
    if (ceiling !== null && requested !== null && requested > ceiling) {
      throw new RelayError('token_scope_widen', {
        message: `This token's cap allows at most ${ceiling} ${name} ${describePeriod(period)}`,
      })
    }
    limits[field] = requested ?? ceiling
  }
  return [...inherited, { tokenId, period, ...limits }]
}

/** The budget id a cap's counters are kept under (per user, like an app budget's). */
export const capBudgetId = (cap: TokenCap) => `tcap_${cap.tokenId}`

/** A token's cap as a budget record counted for `userId` in the budget store (see `BudgetRecord.tokenId`). */
export function capRecord(cap: TokenCap, caller: { userId: string; appId: string }): BudgetRecord {
  return {
    id: capBudgetId(cap),
    userId: caller.userId,
    appId: caller.appId,
    tokenId: cap.tokenId,
    provider: '*',
    period: cap.period,
    maxRequests: cap.maxRequests,
    maxInputTokens: cap.maxInputTokens,
    maxOutputTokens: cap.maxOutputTokens,
    createdAt: 0,
    updatedAt: 0,
  }
}
