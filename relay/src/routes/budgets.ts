import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import { estimateCostUsd, type ModelPrice, PRICES_AS_OF } from '../pricing.js'
import { resolveProvider } from '../providers/index.js'
import type { BudgetStatus } from '../services/budgets.js'
import { DAILY_USAGE_ROW_LIMIT, type DailyUsageRow } from '../store/types.js'
import type { RouteContext } from './context.js'
import { capLimit, errorResponses, okBody, TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'

const DAY_MS = 86_400_000
/** `GET /usage` without `from`: the last 30 days, today included. */
const DEFAULT_DAYS = 30
const MAX_DAYS = 366

const cap = capLimit
const count = { type: 'integer' } as const
const isoDate = { type: 'string', format: 'date-time' } as const

const budgetSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'provider',
    'period',
    'max_requests',
    'max_input_tokens',
    'max_output_tokens',
    'used',
    'period_start',
    'resets_at',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string' },
    provider: { type: 'string', description: 'A provider id, or `*` for all providers together' },
    period: { type: 'string', enum: ['day', 'month'], description: 'UTC calendar day or month' },
    max_requests: cap,
    max_input_tokens: cap,
    max_output_tokens: cap,
    used: {
      type: 'object',
      additionalProperties: false,
      required: ['requests', 'input_tokens', 'output_tokens'],
      properties: { requests: count, input_tokens: count, output_tokens: count },
      description: 'This period so far, including estimates reserved for calls still in flight',
    },
    period_start: isoDate,
    resets_at: isoDate,
    created_at: isoDate,
    updated_at: isoDate,
  },
} as const

function toJson(s: BudgetStatus) {
  const { budget, used } = s
  return {
    id: budget.id,
    provider: budget.provider,
    period: budget.period,
    max_requests: budget.maxRequests,
    max_input_tokens: budget.maxInputTokens,
    max_output_tokens: budget.maxOutputTokens,
    used: { requests: used.requests, input_tokens: used.inputTokens, output_tokens: used.outputTokens },
    period_start: new Date(s.periodStart).toISOString(),
    resets_at: new Date(s.resetsAt).toISOString(),
    created_at: new Date(budget.createdAt).toISOString(),
    updated_at: new Date(budget.updatedAt).toISOString(),
  }
}

const usageRowSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'day',
    'app_id',
    'provider',
    'model',
    'requests',
    'errors',
    'input_tokens',
    'output_tokens',
    'estimated_cost_usd',
  ],
  properties: {
    day: { type: 'string', format: 'date' },
    app_id: { type: 'string' },
    provider: { type: 'string' },
    model: { type: ['string', 'null'] },
    requests: count,
    errors: count,
    input_tokens: count,
    output_tokens: count,
    estimated_cost_usd: {
      type: ['number', 'null'],
      description: 'From the price table dated `prices_as_of`; null for models it does not list',
    },
  },
} as const

const CSV_COLUMNS = usageRowSchema.required

/** RFC 4180 quoting; a leading = + - @ is defused so a spreadsheet never runs a model name as a formula. */
function csvField(value: string | number | null): string {
  if (value === null) return ''
  if (typeof value === 'number') return String(value)
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function toUsageJson(row: DailyUsageRow, prices: readonly ModelPrice[]) {
  return {
    day: row.day,
    app_id: row.appId,
    provider: row.provider,
    model: row.model,
    requests: row.requests,
    errors: row.errors,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    estimated_cost_usd: estimateCostUsd(row.provider, row.model, row.inputTokens, row.outputTokens, prices),
  }
}

/** `YYYY-MM-DD` → epoch ms of that UTC midnight, or a validation_error. */
function parseDay(value: string, name: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) {
    throw new RelayError('validation_error', { message: `${name} must be a date as YYYY-MM-DD` })
  }
  return at
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10)

/**
 * `PUT /budgets`, `GET /budgets`, `DELETE /budgets/:id` (spending caps the key owner sets) and `GET /usage`
 * (their usage per app, provider, model and day, JSON or CSV). Issue 21; enforcement lives in routes/relay.ts.
 */
export async function registerBudgetRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    '/budgets',
    {
      schema: {
        summary: "The caller's budgets with this period's counters",
        tags: ['budgets'],
        security: TOKEN_SECURITY,
        response: {
          200: {
            type: 'object',
            additionalProperties: false,
            required: ['budgets'],
            properties: { budgets: { type: 'array', items: budgetSchema } },
          },
          ...errorResponses(...TOKEN_ERRORS, 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => ({
      budgets: (await ctx.budgets.list(callerOf(request).userId)).map(toJson),
    }),
  )

  app.put<{
    Body: {
      provider?: string
      period: 'day' | 'month'
      max_requests?: number | null
      max_input_tokens?: number | null
      max_output_tokens?: number | null
    }
  }>(
    '/budgets',
    {
      schema: {
        summary: 'Set a spending cap (one per provider and period; setting it again replaces the caps)',
        description:
          'Caps requests and/or input and output tokens per UTC day or month, for one provider or all (`*`, the ' +
          'default). A relay call counts against every budget that applies before it is forwarded; once one is ' +
          'used up, calls get 429 `budget_exceeded` with `Retry-After` until the period resets. Counters keep ' +
          'running when a budget is replaced.',
        tags: ['budgets'],
        security: TOKEN_SECURITY,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['period'],
          properties: {
            provider: { type: 'string', minLength: 1, maxLength: 64 },
            period: { type: 'string', enum: ['day', 'month'] },
            max_requests: cap,
            max_input_tokens: cap,
            max_output_tokens: cap,
          },
        },
        response: {
          200: budgetSchema,
          ...errorResponses(...TOKEN_ERRORS, 'validation_error', 'provider_unknown', 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const body = request.body
      const provider =
        body.provider === undefined || body.provider === '*' ? '*' : resolveProvider(body.provider).id
      const caps = {
        maxRequests: body.max_requests ?? null,
        maxInputTokens: body.max_input_tokens ?? null,
        maxOutputTokens: body.max_output_tokens ?? null,
      }
      if (Object.values(caps).every((v) => v === null)) {
        throw new RelayError('validation_error', {
          message: 'A budget needs at least one of max_requests, max_input_tokens, max_output_tokens',
        })
      }
      return toJson(
        await ctx.budgets.put(callerOf(request).userId, { provider, period: body.period, ...caps }),
      )
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/budgets/:id',
    {
      schema: {
        summary: 'Remove a budget (its counters go with it)',
        tags: ['budgets'],
        security: TOKEN_SECURITY,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
        },
        response: {
          200: okBody,
          ...errorResponses(...TOKEN_ERRORS, 'validation_error', 'not_found', 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      if (!(await ctx.budgets.delete(callerOf(request).userId, request.params.id))) {
        throw new RelayError('not_found', { message: 'No such budget' })
      }
      return { ok: true }
    },
  )

  app.get<{ Querystring: { from?: string; to?: string; format?: 'json' | 'csv' } }>(
    '/usage',
    {
      schema: {
        summary: "The caller's usage per app, provider, model and UTC day (JSON, or CSV with format=csv)",
        description:
          `Days \`from\`..\`to\` inclusive (default: the last ${DEFAULT_DAYS} days; at most ${MAX_DAYS}), at most ` +
          `${DAILY_USAGE_ROW_LIMIT} rows. Metadata only: counts and tokens, never prompts or keys. Costs are ` +
          'estimates from a dated price table.',
        tags: ['stats'],
        security: TOKEN_SECURITY,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: { type: 'string', format: 'date', description: 'YYYY-MM-DD (UTC)' },
            to: { type: 'string', format: 'date', description: 'YYYY-MM-DD (UTC), inclusive' },
            format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
          },
        },
        response: {
          200: {
            description: 'Usage rows, ordered by day, app, provider, model',
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['from', 'to', 'prices_as_of', 'rows'],
                  properties: {
                    from: { type: 'string', format: 'date' },
                    to: { type: 'string', format: 'date' },
                    prices_as_of: { type: 'string', format: 'date' },
                    rows: { type: 'array', maxItems: DAILY_USAGE_ROW_LIMIT, items: usageRowSchema },
                  },
                },
              },
              'text/csv': {
                schema: { type: 'string', description: `Header: ${CSV_COLUMNS.join(',')}` },
              },
            },
          },
          ...errorResponses(...TOKEN_ERRORS, 'validation_error', 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request, reply) => {
      const q = request.query
      const today = Math.floor(Date.now() / DAY_MS) * DAY_MS
      const to = q.to === undefined ? today : parseDay(q.to, 'to')
      const from = q.from === undefined ? to - (DEFAULT_DAYS - 1) * DAY_MS : parseDay(q.from, 'from')
      if (from > to || to - from >= MAX_DAYS * DAY_MS) {
        throw new RelayError('validation_error', {
          message: `from must not be after to, and the range at most ${MAX_DAYS} days`,
        })
      }
      const rows = (
        await ctx.store.dailyUsage({ from, to: to + DAY_MS, userId: callerOf(request).userId })
      ).map((row) => toUsageJson(row, ctx.config.budgets.prices))
      if (q.format === 'csv') {
        const lines = [
          CSV_COLUMNS.join(','),
          ...rows.map((r) => CSV_COLUMNS.map((c) => csvField(r[c])).join(',')),
        ]
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="byok-usage.csv"')
          .send(`${lines.join('\r\n')}\r\n`)
      }
      return reply
        .type('application/json; charset=utf-8')
        .send({ from: day(from), to: day(to), prices_as_of: PRICES_AS_OF, rows })
    },
  )
}
