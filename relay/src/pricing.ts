/**
 * Estimated cost of logged token usage (issue 21). A small, dated table of list prices for well-known models,
 * in USD per million tokens; a model is matched by the longest listed prefix (so dated snapshots such as
 * `gpt-4o-2024-08-06` match `gpt-4o`, and `gpt-4o-mini` wins over `gpt-4o`). Unknown models have no estimate:
 * their tokens are still counted, their cost is `null`. Estimates only — batch, cache and long-context prices
 * differ; the provider's invoice is the truth. An operator overrides or extends the table with PRICES_FILE
 * (`withPriceOverrides`); the functions below take the table, the built-in one by default.
 *
 * @example
 *   estimateCostUsd('openai', 'gpt-4o-mini-2024-07-18', 1_000, 500) // 0.00045
 */

/** The day these prices were read from the providers' pricing pages. */
export const PRICES_AS_OF = '2025-11-01'

export interface ModelPrice {
  readonly provider: string
  /** Matched as a prefix of the model name the provider reported. */
  readonly model: string
  readonly inputPerMTok: number
  readonly outputPerMTok: number
}

// https://openai.com/api/pricing, https://www.anthropic.com/pricing#api, https://ai.google.dev/gemini-api/docs/pricing
export const PRICES: readonly ModelPrice[] = [
  { provider: 'openai', model: 'gpt-4o', inputPerMTok: 2.5, outputPerMTok: 10 },
  { provider: 'openai', model: 'gpt-4o-mini', inputPerMTok: 0.15, outputPerMTok: 0.6 },
  { provider: 'openai', model: 'gpt-4.1', inputPerMTok: 2, outputPerMTok: 8 },
  { provider: 'openai', model: 'gpt-4.1-mini', inputPerMTok: 0.4, outputPerMTok: 1.6 },
  { provider: 'openai', model: 'gpt-4.1-nano', inputPerMTok: 0.1, outputPerMTok: 0.4 },
  { provider: 'openai', model: 'gpt-5', inputPerMTok: 1.25, outputPerMTok: 10 },
  { provider: 'openai', model: 'gpt-5-mini', inputPerMTok: 0.25, outputPerMTok: 2 },
  { provider: 'openai', model: 'gpt-5-nano', inputPerMTok: 0.05, outputPerMTok: 0.4 },
  { provider: 'openai', model: 'o3', inputPerMTok: 2, outputPerMTok: 8 },
  { provider: 'openai', model: 'o3-mini', inputPerMTok: 1.1, outputPerMTok: 4.4 },
  { provider: 'openai', model: 'o4-mini', inputPerMTok: 1.1, outputPerMTok: 4.4 },
  { provider: 'anthropic', model: 'claude-opus-4-5', inputPerMTok: 5, outputPerMTok: 25 },
  { provider: 'anthropic', model: 'claude-opus-4', inputPerMTok: 15, outputPerMTok: 75 },
  { provider: 'anthropic', model: 'claude-sonnet-4', inputPerMTok: 3, outputPerMTok: 15 },
  { provider: 'anthropic', model: 'claude-haiku-4-5', inputPerMTok: 1, outputPerMTok: 5 },
  { provider: 'anthropic', model: 'claude-3-7-sonnet', inputPerMTok: 3, outputPerMTok: 15 },
  { provider: 'anthropic', model: 'claude-3-5-haiku', inputPerMTok: 0.8, outputPerMTok: 4 },
  { provider: 'google', model: 'gemini-2.5-pro', inputPerMTok: 1.25, outputPerMTok: 10 },
  { provider: 'google', model: 'gemini-2.5-flash', inputPerMTok: 0.3, outputPerMTok: 2.5 },
  { provider: 'google', model: 'gemini-2.5-flash-lite', inputPerMTok: 0.1, outputPerMTok: 0.4 },
  { provider: 'google', model: 'gemini-2.0-flash', inputPerMTok: 0.1, outputPerMTok: 0.4 },
]

/** The built-in table with the operator's rows: a row for the same provider and model replaces the built-in one. */
export function withPriceOverrides(overrides: readonly ModelPrice[]): readonly ModelPrice[] {
  if (overrides.length === 0) return PRICES
  const key = (p: ModelPrice) => `${p.provider}\u0000${p.model}`
  const replaced = new Set(overrides.map(key))
  return [...PRICES.filter((p) => !replaced.has(key(p))), ...overrides]
}

/** The price row for a model, by the longest matching prefix; undefined for unknown models. */
export function findPrice(
  provider: string,
  model: string | null,
  table: readonly ModelPrice[] = PRICES,
): ModelPrice | undefined {
  if (model === null) return undefined
  // Gemini reports `models/gemini-…` in some places.
  const name = model.startsWith('models/') ? model.slice('models/'.length) : model
  let best: ModelPrice | undefined
  for (const price of table) {
    if (price.provider !== provider || !name.startsWith(price.model)) continue
    if (!best || price.model.length > best.model.length) best = price
  }
  return best
}

/** Estimated USD for the tokens, rounded to 1/1,000,000 of a dollar; null for an unknown model. */
export function estimateCostUsd(
  provider: string,
  model: string | null,
  inputTokens: number,
  outputTokens: number,
  table: readonly ModelPrice[] = PRICES,
): number | null {
  const price = findPrice(provider, model, table)
  if (!price) return null
  const usd = (inputTokens * price.inputPerMTok + outputTokens * price.outputPerMTok) / 1_000_000
  return Math.round(usd * 1_000_000) / 1_000_000
}
