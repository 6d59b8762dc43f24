import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf, requireAppSecret } from '../plugins/auth.js'
import { TOP_MODEL_LIMIT, USAGE_ROW_LIMIT, type UsageSummary } from '../store/types.js'
import type { RouteContext } from './context.js'
import { APP_SECRET_SECURITY, errorResponses, FULL_TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'

/**
 * Both shapes at once: byok's own fields (`requests`, `errors`, tokens, `by_model`) and byok-relay's (`total`,
 * `error_count`, `providers`, `top_models`, `last_7d`, `last_30d`, `last_request`), so clients written for either
 * work unchanged. Every list is bounded (the store returns at most 100 model rows and 10 top models).
 */
function summarise(u: UsageSummary) {
  const errorRate = u.requests === 0 ? 0 : u.errors / u.requests
  return {
    requests: u.requests,
    errors: u.errors,
    error_rate: errorRate,
    input_tokens: u.inputTokens,
    output_tokens: u.outputTokens,
    by_model: u.byModel.map((r) => ({
      provider: r.provider,
      model: r.model,
      requests: r.requests,
      errors: r.errors,
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
    })),
    total: u.requests,
    error_count: u.errors,
    providers: Object.fromEntries(
      u.byProvider.map((p) => [p.provider, { total: p.requests, errors: p.errors }]),
    ),
    top_models: u.topModels.map((m) => ({ model: m.model, total: m.requests })),
    last_7d: u.last7d,
    last_30d: u.last30d,
    last_request: u.lastRequestAt === null ? null : new Date(u.lastRequestAt).toISOString(),
  }
}

const appParams = {
  type: 'object',
  required: ['app_id'],
  properties: { app_id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const

const count = { type: 'integer' } as const
const summaryProperties = {
  requests: count,
  errors: count,
  error_rate: { type: 'number' },
  input_tokens: count,
  output_tokens: count,
  by_model: {
    type: 'array',
    maxItems: USAGE_ROW_LIMIT,
    description: `The busiest (provider, model) pairs, at most ${USAGE_ROW_LIMIT}, by provider then model`,
    items: {
      type: 'object',
      required: ['provider', 'model', 'requests', 'errors', 'input_tokens', 'output_tokens'],
      additionalProperties: false,
      properties: {
        provider: { type: 'string' },
        model: { type: ['string', 'null'] },
        requests: count,
        errors: count,
        input_tokens: count,
        output_tokens: count,
      },
    },
  },
} as const
const byokRelayProperties = {
  total: { ...count, description: 'byok-relay name for `requests`' },
  error_count: { ...count, description: 'byok-relay name for `errors`' },
  providers: {
    type: 'object',
    description: 'Calls and errors per provider id',
    additionalProperties: {
      type: 'object',
      required: ['total', 'errors'],
      additionalProperties: false,
      properties: { total: count, errors: count },
    },
  },
  top_models: {
    type: 'array',
    maxItems: TOP_MODEL_LIMIT,
    description: `The busiest models across providers, at most ${TOP_MODEL_LIMIT}`,
    items: {
      type: 'object',
      required: ['model', 'total'],
      additionalProperties: false,
      properties: { model: { type: 'string' }, total: count },
    },
  },
  last_7d: { ...count, description: 'Calls in the last 7 days' },
  last_30d: { ...count, description: 'Calls in the last 30 days' },
  last_request: { type: ['string', 'null'], format: 'date-time' },
} as const
const summaryRequired = [
  'requests',
  'errors',
  'error_rate',
  'input_tokens',
  'output_tokens',
  'by_model',
  ...Object.keys(byokRelayProperties),
]

/** `GET /stats` (the caller's own usage) and `GET /stats/:app_id` (an app's aggregate, operator only). */
export async function registerStatsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get(
    '/stats',
    {
      schema: {
        summary: "The caller's own usage by provider and model",
        tags: ['stats'],
        security: TOKEN_SECURITY,
        response: {
          200: {
            type: 'object',
            required: summaryRequired,
            additionalProperties: false,
            properties: { ...summaryProperties, ...byokRelayProperties },
          },
          ...errorResponses(...FULL_TOKEN_ERRORS, 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => summarise(await ctx.store.usage({ userId: callerOf(request).userId }, Date.now())),
  )

  app.get<{ Params: { app_id: string } }>(
    '/stats/:app_id',
    {
      schema: {
        summary: "An app's aggregate usage (operator)",
        tags: ['stats'],
        security: APP_SECRET_SECURITY,
        params: appParams,
        response: {
          200: {
            type: 'object',
            required: ['app_id', 'user_count', ...summaryRequired],
            additionalProperties: false,
            properties: {
              app_id: { type: 'string' },
              user_count: {
                ...count,
                description: 'Distinct users of the app with at least one logged call',
              },
              ...summaryProperties,
              ...byokRelayProperties,
            },
          },
          ...errorResponses('validation_error', 'app_secret_invalid', 'not_configured', 'rate_limited'),
        },
      },
      onRequest: async (request) => {
        if (ctx.config.secrets.app === undefined) {
          throw new RelayError('not_configured', {
            message: 'Per-app stats need APP_SECRET to be set on the relay',
            hint: 'Set APP_SECRET and send it as Authorization: Bearer <APP_SECRET>.',
          })
        }
        requireAppSecret(request, ctx.config.secrets.app)
      },
    },
    async (request) => {
      const usage = await ctx.store.usage({ appId: request.params.app_id }, Date.now())
      return { app_id: request.params.app_id, user_count: usage.users, ...summarise(usage) }
    },
  )
}
