import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import type { RouteContext } from './context.js'

const registerBody = {
  type: 'object',
  required: ['app_id'],
  properties: { app_id: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' } },
} as const

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization ?? ''
  return header.startsWith('Bearer ') ? header.slice(7).trim() : ''
}

/** Constant-time comparison that does not leak the secret's length through early exit. */
function secretMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  const same = timingSafeEqual(a.length === b.length ? a : b, b)
  return same && a.length === b.length
}

/** Throws `app_secret_invalid` unless the request carries `Authorization: Bearer <APP_SECRET>`. */
export function requireAppSecret(request: FastifyRequest, appSecret: string): void {
  if (!secretMatches(bearer(request), appSecret)) throw new RelayError('app_secret_invalid')
}

/** `POST /users`, `DELETE /users`, `POST /tokens/revoke`. */
export async function registerUserRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const appSecret = ctx.config.secrets.app

  app.post<{ Body: { app_id: string } }>(
    '/users',
    {
      schema: { body: registerBody },
      // Counted before anything else, so failed APP_SECRET guesses spend the same quota.
      onRequest: async (request, reply) => {
        reply.headers(ctx.limiters.register.consume(`register:${request.ip}`))
        if (appSecret !== undefined) requireAppSecret(request, appSecret)
      },
    },
    async (request) => {
      const { token, expiresAt } = await ctx.accounts.register(request.body.app_id)
      return { token, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() }
    },
  )

  app.delete('/users', { onRequest: ctx.requireCaller }, async (request) => {
    await ctx.accounts.deleteUser(callerOf(request))
    return { ok: true }
  })

  app.post('/tokens/revoke', { onRequest: ctx.requireCaller }, async (request) => {
    await ctx.accounts.revoke(callerOf(request))
    return { ok: true }
  })
}
