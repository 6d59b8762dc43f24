import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import { bearerMatches, callerOf, presentsAppSecret } from '../plugins/auth.js'
import { resolveProvider } from '../providers/index.js'
import type { ExternalUser, IssuedToken } from '../services/accounts.js'
import { SCOPED_EXPIRY } from '../services/token-scope.js'
import type { TokenScope } from '../store/types.js'
import type { RouteContext } from './context.js'
import {
  APP_SECRET_SECURITY,
  errorResponses,
  FULL_TOKEN_ERRORS,
  TOKEN_ERRORS,
  TOKEN_SECURITY,
} from './schemas.js'
import { externalUsersNotConfigured, idString } from './users.js'

interface MintBody {
  providers?: string[]
  models?: string[]
  origins?: string[]
  expires_in?: number
  app_id?: string
  external_user_id?: string
}

const list = (items: object, description: string) =>
  ({ type: 'array', minItems: 1, maxItems: 50, items, description }) as const

const mintBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    providers: list({ type: 'string', minLength: 1, maxLength: 64 }, 'Provider ids the token may call'),
    models: list(
      { type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._:/@+=*-]+$' },
      'Model patterns (`*` wildcards, e.g. `gpt-4o*`), matched like ALLOWED_MODELS',
    ),
    origins: list(
      { type: 'string', minLength: 1, maxLength: 300 },
      'Exact origins (`https://app.example`) the token may be used from (the Origin header)',
    ),
    expires_in: {
      type: 'integer',
      minimum: SCOPED_EXPIRY.min,
      maximum: SCOPED_EXPIRY.max,
      description: `Seconds (default ${SCOPED_EXPIRY.default}); never beyond the minting token's own expiry`,
    },
    app_id: { ...idString, description: 'With APP_SECRET: the app' },
    external_user_id: { ...idString, description: "With APP_SECRET: the app's own user id" },
  },
} as const

const scopeProperties = {
  providers: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
  models: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
  origins: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
} as const

/** What a minted scoped token is answered with (`POST /tokens`, `POST /connect/token`). */
export const mintedBody = {
  type: 'object',
  required: ['token', 'id', 'expires_at', 'providers', 'models', 'origins'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', description: 'Scoped relay token (`byok_rt_…`); shown once' },
    id: { type: 'string', description: 'For GET /tokens and DELETE /tokens/:id' },
    expires_at: { type: 'string', format: 'date-time' },
    ...scopeProperties,
  },
} as const

// Metadata only: additionalProperties false keeps token material out of the list.
const tokenListBody = {
  type: 'object',
  required: ['tokens'],
  additionalProperties: false,
  properties: {
    tokens: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'scoped', 'current', 'created_at', 'expires_at', 'providers', 'models', 'origins'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          scoped: { type: 'boolean', description: 'false for a full token from POST /users' },
          current: { type: 'boolean', description: 'the token this request was made with' },
          created_at: { type: 'string', format: 'date-time' },
          expires_at: { type: ['string', 'null'], format: 'date-time', description: 'null = never' },
          ...scopeProperties,
        },
      },
    },
  },
} as const

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

const scopeFields = (scope: TokenScope | null) => ({
  providers: scope?.providers ?? null,
  models: scope?.models ?? null,
  origins: scope?.origins ?? null,
})

/** The `mintedBody` answer for a freshly minted token. */
export function mintedFields(issued: IssuedToken) {
  return {
    token: issued.token,
    id: issued.id,
    expires_at: iso(issued.expiresAt),
    ...scopeFields(issued.scope),
  }
}

/** An exact origin as browsers send it: scheme, host and port only, lower case, no path or trailing slash. */
function checkOrigin(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin !== value) {
    throw new RelayError('validation_error', {
      message: `body.origins: "${value.slice(0, 100)}" is not an origin`,
      hint: 'Write origins exactly as browsers send them, e.g. https://app.example or http://localhost:5173.',
    })
  }
  return value
}

/** `POST /tokens`, `GET /tokens`, `DELETE /tokens/:id` (scoped tokens; issue 20). */
export async function registerTokenRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const appSecret = ctx.config.secrets.app

  /**
   * A user's token (`x-relay-token`, scoped ones included) mints for its own user; otherwise the app's backend
   * mints for one of its users with `Authorization: Bearer <APP_SECRET>`. Failed secrets spend the register
   * quota, like POST /users.
   */
  async function authenticateMint(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!presentsAppSecret(request)) {
      return ctx.requireCallerOrScoped(request, reply)
    }
    if (appSecret === undefined) throw externalUsersNotConfigured()
    if (!bearerMatches(request, appSecret)) {
      reply.headers(await ctx.limiters.register.consume(request))
      throw new RelayError('app_secret_invalid')
    }
  }

  app.post<{ Body: MintBody }>(
    '/tokens',
    {
      schema: {
        summary: 'Mint a scoped, short-lived relay token',
        description:
          'Limited to `providers`, `models` and `origins` (each omitted = the minting token’s own limit, or ' +
          'none), expiring after `expires_in` seconds. A scoped token mints only narrower tokens ' +
          '(`token_scope_widen`). With `Authorization: Bearer <APP_SECRET>` and no relay token, the app’s ' +
          'backend mints for `app_id` + `external_user_id` (the relay user is created on first use).',
        tags: ['tokens'],
        security: [...TOKEN_SECURITY, ...APP_SECRET_SECURITY],
        body: mintBody,
        response: {
          200: mintedBody,
          ...errorResponses(
            ...TOKEN_ERRORS,
            'app_secret_invalid',
            'validation_error',
            'unsupported_media_type',
            'body_too_large',
            'provider_unknown',
            'token_scope_widen',
            'not_configured',
            'rate_limited',
          ),
        },
      },
      onRequest: authenticateMint,
      // Fastify's validator drops unknown fields silently; here a typo ("provider") would mint a token wider
      // than meant, so an unknown field is refused.
      preValidation: async (request) => {
        const body = request.body
        if (typeof body !== 'object' || body === null || Array.isArray(body)) return
        const unknown = Object.keys(body).find((field) => !Object.hasOwn(mintBody.properties, field))
        if (unknown !== undefined) {
          throw new RelayError('validation_error', {
            message: `body.${unknown.slice(0, 64)} is not a field of POST /tokens`,
            hint: 'The fields are providers, models, origins, expires_in (and app_id, external_user_id).',
          })
        }
      },
    },
    async (request) => {
      const body = request.body ?? {}
      const scopeRequest = {
        ...(body.providers && { providers: body.providers.map((id) => resolveProvider(id).id) }),
        ...(body.models && { models: body.models }),
        ...(body.origins && { origins: body.origins.map(checkOrigin) }),
        ...(body.expires_in !== undefined && { expiresIn: body.expires_in }),
      }
      const external = body.app_id !== undefined || body.external_user_id !== undefined
      let issued: IssuedToken
      if (request.caller) {
        if (external) {
          throw new RelayError('validation_error', {
            message:
              'app_id and external_user_id are for the app backend (APP_SECRET); a token mints for its own user',
          })
        }
        issued = await ctx.accounts.mintScoped(request.caller, scopeRequest)
      } else {
        if (body.app_id === undefined || body.external_user_id === undefined) {
          throw new RelayError('validation_error', {
            message: 'With APP_SECRET, body.app_id and body.external_user_id are required',
          })
        }
        const user: ExternalUser = { appId: body.app_id, externalUserId: body.external_user_id }
        issued = await ctx.accounts.mintScoped(user, scopeRequest)
      }
      return mintedFields(issued)
    },
  )

  app.get(
    '/tokens',
    {
      schema: {
        summary: "List the user's live tokens (metadata only, never a token)",
        tags: ['tokens'],
        security: TOKEN_SECURITY,
        response: { 200: tokenListBody, ...errorResponses(...FULL_TOKEN_ERRORS, 'rate_limited') },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const caller = callerOf(request)
      const tokens = await ctx.accounts.listTokens(caller)
      return {
        tokens: tokens.map((t) => ({
          id: t.id,
          scoped: t.scope !== null,
          current: t.id === caller.tokenId,
          created_at: iso(t.createdAt),
          expires_at: iso(t.expiresAt),
          ...scopeFields(t.scope),
        })),
      }
    },
  )

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    {
      schema: {
        summary: "Revoke one of the user's tokens by id",
        tags: ['tokens'],
        security: TOKEN_SECURITY,
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^[0-9a-f]{32}$' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['ok', 'id'],
            additionalProperties: false,
            properties: { ok: { type: 'boolean', enum: [true] }, id: { type: 'string' } },
          },
          ...errorResponses(...FULL_TOKEN_ERRORS, 'validation_error', 'not_found', 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const { id } = request.params
      if (!(await ctx.accounts.revokeById(callerOf(request), id))) {
        throw new RelayError('not_found', {
          message: 'This user has no live token with this id',
          hint: 'GET /tokens lists the live ones.',
        })
      }
      return { ok: true, id }
    },
  )
}
