import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import type { RouteContext } from './context.js'
import { APP_SECRET_SECURITY, errorResponses, okBody, TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'

const registerBody = {
  type: 'object',
  required: ['app_id'],
  properties: { app_id: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' } },
} as const

export function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization ?? ''
  return header.startsWith('Bearer ') ? header.slice(7).trim() : ''
}

/** Constant-time comparison that does not leak the secret's length through early exit. */
export function secretMatches(presented: string, expected: string): boolean {
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
      schema: {
        summary: 'Register a user and get a relay token',
        tags: ['users'],
        // Optional: only when APP_SECRET is set.
        security: [...APP_SECRET_SECURITY, {}],
        body: registerBody,
        response: {
          200: {
            type: 'object',
            required: ['token', 'expires_at'],
            additionalProperties: false,
            properties: {
              token: { type: 'string', description: 'Relay token (`byok_rt_…`); shown once' },
              expires_at: { type: ['string', 'null'], format: 'date-time', description: 'null = never' },
            },
          },
          ...errorResponses(
            'validation_error',
            'unsupported_media_type',
            'body_too_large',
            'app_secret_invalid',
            'rate_limited',
          ),
        },
      },
      // Counted before anything else, so failed APP_SECRET guesses spend the same quota.
      onRequest: async (request, reply) => {
        reply.headers(ctx.limiters.register.consume(`register:${ctx.clientKey(request.ip)}`))
        if (appSecret !== undefined) requireAppSecret(request, appSecret)
      },
    },
    async (request) => {
      const { token, expiresAt } = await ctx.accounts.register(request.body.app_id)
      return { token, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() }
    },
  )

  const tokenOnly = (summary: string) => ({
    summary,
    tags: ['users'],
    security: TOKEN_SECURITY,
    response: { 200: okBody, ...errorResponses(...TOKEN_ERRORS, 'rate_limited') },
  })

  app.delete(
    '/users',
    { schema: tokenOnly('Erase the user, their tokens and keys'), onRequest: ctx.requireCaller },
    async (request) => {
      await ctx.accounts.deleteUser(callerOf(request))
      return { ok: true }
    },
  )

  app.post(
    '/tokens/revoke',
    { schema: tokenOnly('Revoke this relay token'), onRequest: ctx.requireCaller },
    async (request) => {
      await ctx.accounts.revoke(callerOf(request))
      return { ok: true }
    },
  )
}
