// The two JSON files an operator may point the relay at (issue 21): budgets per app (APP_BUDGETS_FILE) and
// prices that override or extend the built-in table (PRICES_FILE). Read and validated once by loadConfig; a bad
// file stops start-up with one line naming the entry and the field.
import { readFileSync } from 'node:fs'
import type { ModelPrice } from './pricing.js'
import { PROVIDERS } from './providers/index.js'

/** A cap the operator sets for every user of one app, on top of the caps each user sets for themselves. */
export interface AppBudget {
  /** `app:<app_id>:<provider>:<period>`: stable, so counters survive restarts and edits of the file. */
  readonly id: string
  readonly appId: string
  /** A provider id, or `*` for all providers together. */
  readonly provider: string
  readonly period: 'day' | 'month'
  readonly maxRequests: number | null
  readonly maxInputTokens: number | null
  readonly maxOutputTokens: number | null
}

/** A bad file or entry; loadConfig turns it into a ConfigError naming the variable. */
export class InvalidFile extends Error {}

function readJsonArray(path: string, what: string): unknown[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new InvalidFile(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new InvalidFile(`${path} is not valid JSON (${(error as Error).message})`)
  }
  if (!Array.isArray(json)) throw new InvalidFile(`${path} must hold a JSON array of ${what}`)
  return json
}

/** Checks one entry's fields; `where` names it in every message ("entry 2 (app "demo")"). */
function fieldsOf(entry: unknown, where: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new InvalidFile(`${where} must be an object`)
  }
  const unknown = Object.keys(entry).find((k) => !allowed.includes(k))
  if (unknown !== undefined) {
    throw new InvalidFile(`${where} has an unknown field "${unknown}" (allowed: ${allowed.join(', ')})`)
  }
  return entry as Record<string, unknown>
}

function providerOf(value: unknown, where: string, allowAll: boolean): string {
  if (allowAll && (value === undefined || value === '*')) return '*'
  if (typeof value !== 'string' || !PROVIDERS.has(value)) {
    throw new InvalidFile(
      `${where}: provider must be a provider id${allowAll ? ' or "*"' : ''} (got ${JSON.stringify(value)})`,
    )
  }
  return value
}

const MAX_CAP = 1_000_000_000_000
const BUDGET_FIELDS = [
  'app_id',
  'provider',
  'period',
  'max_requests',
  'max_input_tokens',
  'max_output_tokens',
]

/**
 * `[{ "app_id": "my-app", "provider": "*", "period": "month", "max_requests": 1000, "max_output_tokens": 500000 }]`
 */
export function readAppBudgets(path: string): AppBudget[] {
  const seen = new Set<string>()
  return readJsonArray(path, 'budgets').map((entry, i) => {
    const named = (entry as { app_id?: unknown } | null)?.app_id
    const where = `entry ${i + 1}${typeof named === 'string' ? ` (app "${named.slice(0, 64)}")` : ''}`
    const e = fieldsOf(entry, where, BUDGET_FIELDS)
    if (typeof e.app_id !== 'string' || e.app_id.length === 0 || e.app_id.length > 200) {
      throw new InvalidFile(`${where}: app_id must be a string of 1 to 200 characters`)
    }
    const provider = providerOf(e.provider, where, true)
    if (e.period !== 'day' && e.period !== 'month') {
      throw new InvalidFile(`${where}: period must be "day" or "month" (got ${JSON.stringify(e.period)})`)
    }
    const cap = (field: string): number | null => {
      const v = e[field]
      if (v === undefined || v === null) return null
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > MAX_CAP) {
        throw new InvalidFile(`${where}: ${field} must be a whole number from 0 to ${MAX_CAP} or null`)
      }
      return v
    }
    const budget: AppBudget = {
      id: `app:${e.app_id}:${provider}:${e.period}`,
      appId: e.app_id,
      provider,
      period: e.period,
      maxRequests: cap('max_requests'),
      maxInputTokens: cap('max_input_tokens'),
      maxOutputTokens: cap('max_output_tokens'),
    }
    if (budget.maxRequests === null && budget.maxInputTokens === null && budget.maxOutputTokens === null) {
      throw new InvalidFile(
        `${where}: needs at least one of max_requests, max_input_tokens, max_output_tokens`,
      )
    }
    if (seen.has(budget.id)) {
      throw new InvalidFile(`${where}: a second budget for the same app, provider and period`)
    }
    seen.add(budget.id)
    return budget
  })
}

const PRICE_FIELDS = ['provider', 'model', 'input_per_mtok', 'output_per_mtok']

/** `[{ "provider": "openai", "model": "gpt-4o-mini", "input_per_mtok": 0.15, "output_per_mtok": 0.6 }]` (USD) */
export function readPrices(path: string): ModelPrice[] {
  return readJsonArray(path, 'prices').map((entry, i) => {
    const named = (entry as { model?: unknown } | null)?.model
    const where = `entry ${i + 1}${typeof named === 'string' ? ` (model "${named.slice(0, 64)}")` : ''}`
    const e = fieldsOf(entry, where, PRICE_FIELDS)
    const provider = providerOf(e.provider, where, false)
    if (typeof e.model !== 'string' || !/^[A-Za-z0-9._:/@-]{1,200}$/.test(e.model)) {
      throw new InvalidFile(`${where}: model must be a model name (letters, digits, . _ : / @ -)`)
    }
    const usd = (field: string): number => {
      const v = e[field]
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1_000_000) {
        throw new InvalidFile(`${where}: ${field} must be a price in USD per million tokens, 0 to 1000000`)
      }
      return v
    }
    return {
      provider,
      model: e.model,
      inputPerMTok: usd('input_per_mtok'),
      outputPerMTok: usd('output_per_mtok'),
    }
  })
}
