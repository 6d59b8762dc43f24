import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import type { UsageRow } from '../store/types.js'
import type { RouteContext } from './context.js'
import { APP_SECRET_SECURITY, errorResponses, TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'
import { requireAppSecret } from './users.js'

function summarise(rows: readonly UsageRow[]) {
  const requests = rows.reduce((n, r) => n + r.requests, 0)
  const errors = rows.reduce((n, r) => n + r.errors, 0)
  return {
    requests,
    errors,
    error_rate: requests === 0 ? 0 : errors / requests,
    input_tokens: rows.reduce((n, r) => n + r.inputTokens, 0),
    output_tokens: rows.reduce((n, r) => n + r.outputTokens, 0),
    by_model: rows.map((r) => ({
      provider: r.provider,
      model: r.model,
      requests: r.requests,
      errors: r.errors,
      input_tokens: r.inputTokens,
      output_tokens: r.outputTokens,
    })),
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
const summaryRequired = ['requests', 'errors', 'error_rate', 'input_tokens', 'output_tokens', 'by_model']

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
            properties: summaryProperties,
          },
          ...errorResponses(...TOKEN_ERRORS, 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => summarise(await ctx.store.usageByUser(callerOf(request).userId)),
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
            required: ['app_id', ...summaryRequired],
            additionalProperties: false,
            properties: { app_id: { type: 'string' }, ...summaryProperties },
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
    async (request) => ({
      app_id: request.params.app_id,
      ...summarise(await ctx.store.usageByApp(request.params.app_id)),
    }),
  )
}
