import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, RelayError } from '../errors.js'
import { bearerMatches, callerOf, requireAppSecret } from '../plugins/auth.js'
import type { RouteContext } from './context.js'
import {
  APP_SECRET_SECURITY,
  errorResponses,
  FULL_TOKEN_ERRORS,
  okBody,
  TOKEN_ERRORS,
  TOKEN_SECURITY,
} from './schemas.js'

/** An `app_id` or `external_user_id`: what the app calls it, without control characters. */
export const idString = {
  type: 'string',
  minLength: 1,
  maxLength: 200,
  pattern: '^[^\\u0000-\\u001f]+$',
} as const

const registerBody = {
  type: 'object',
  required: ['app_id'],
  properties: {
    app_id: idString,
    external_user_id: {
      ...idString,
      description:
        "The app's own user id. Needs APP_SECRET: every call for the same (app_id, external_user_id) gets a " +
        'token for the same relay user, so keys follow the person across devices.',
    },
  },
} as const

/** Binding to the app's own accounts is only safe when the caller proves to be the app's backend. */
export function externalUsersNotConfigured(): RelayError {
  return new RelayError('not_configured', {
    message: 'external_user_id needs APP_SECRET, which is not set on this relay',
    hint: "Set APP_SECRET and call from the app's backend with Authorization: Bearer <APP_SECRET>.",
  })
}

/** Requests whose register quota is spent after validation (APP_SECRET callers; see the onRequest hook). */
const registerQuotaDeferred = new WeakSet<FastifyRequest>()

/** `POST /users`, `DELETE /users`, `POST /tokens/revoke`. */
export async function registerUserRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const appSecret = ctx.config.secrets.app
  const spendRegisterQuota = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.headers(await ctx.limiters.register.consume(request))
  }

  app.post<{ Body: { app_id: string; external_user_id?: string } }>(
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
            'not_configured',
          ),
        },
      },
      // Counted before anything else, so failed APP_SECRET guesses spend the same quota. A request with the
      // right APP_SECRET spends it after validation, and only for an anonymous registration: the app's backend
      // logging in its own users (external_user_id) creates at most one relay user per account, and the
      // per-IP quota for anonymous sign-ups would otherwise cap its logins at RATE_LIMIT_REGISTER_PER_HOUR.
      onRequest: async (request, reply) => {
        if (appSecret !== undefined && bearerMatches(request, appSecret)) {
          registerQuotaDeferred.add(request)
          return
        }
        await spendRegisterQuota(request, reply)
        if (appSecret !== undefined) requireAppSecret(request, appSecret)
      },
      preHandler: async (request, reply) => {
        if (registerQuotaDeferred.has(request) && request.body.external_user_id === undefined) {
          await spendRegisterQuota(request, reply)
        }
      },
    },
    async (request) => {
      const { app_id: appId, external_user_id: externalUserId } = request.body
      if (externalUserId !== undefined && appSecret === undefined) throw externalUsersNotConfigured()
      const { token, expiresAt } =
        externalUserId === undefined
          ? await ctx.accounts.register(appId)
          : await ctx.accounts.registerExternal({ appId, externalUserId })
      return { token, expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString() }
    },
  )

  const tokenOnly = (summary: string, errors: readonly ErrorCode[]) => ({
    summary,
    tags: ['users'],
    security: TOKEN_SECURITY,
    response: { 200: okBody, ...errorResponses(...errors, 'rate_limited') },
  })

  app.delete(
    '/users',
    {
      schema: tokenOnly('Erase the user, their tokens and keys', FULL_TOKEN_ERRORS),
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      await ctx.accounts.deleteUser(callerOf(request))
      return { ok: true }
    },
  )

  app.post(
    '/tokens/revoke',
    // A scoped token may revoke itself: that takes nothing from anyone.
    { schema: tokenOnly('Revoke this relay token', TOKEN_ERRORS), onRequest: ctx.requireCallerOrScoped },
    async (request) => {
      await ctx.accounts.revoke(callerOf(request))
      return { ok: true }
    },
  )
}
