import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import type { UsageRow } from '../store/types.js'
import type { RouteContext } from './context.js'
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

/** `GET /stats` (the caller's own usage) and `GET /stats/:app_id` (an app's aggregate, operator only). */
export async function registerStatsRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.get('/stats', { onRequest: ctx.requireCaller }, async (request) =>
    summarise(await ctx.store.usageByUser(callerOf(request).userId)),
  )

  app.get<{ Params: { app_id: string } }>(
    '/stats/:app_id',
    {
      schema: { params: appParams },
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
