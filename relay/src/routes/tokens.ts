import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import { bearerMatches, callerOf, presentsAppSecret } from '../plugins/auth.js'
import { resolveProvider } from '../providers/index.js'
import type { ExternalUser, IssuedToken } from '../services/accounts.js'
import type { TokenCapStatus } from '../services/budgets.js'
import type { CapRequest } from '../services/token-caps.js'
import { SCOPED_EXPIRY } from '../services/token-scope.js'
import type { CapPeriod, TokenCap, TokenScope } from '../store/types.js'
import type { RouteContext } from './context.js'
import {
  APP_SECRET_SECURITY,
  capLimit,
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
  cap?: {
    period?: CapPeriod
    max_requests?: number | null
    max_input_tokens?: number | null
    max_output_tokens?: number | null
  }
  app_id?: string
  external_user_id?: string
}

const CAP_PERIODS = ['day', 'month', 'total'] as const

const capRequestBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    period: {
      type: 'string',
      enum: CAP_PERIODS,
      description:
        "UTC day or month, or `total` (the token's life); default: the minting token's cap's, or total",
    },
    max_requests: capLimit,
    max_input_tokens: capLimit,
    max_output_tokens: capLimit,
  },
  description:
    'Caps calls through this token (and every token minted from it); omitted counters keep the minting ' +
    "token's cap, and none may exceed it",
} as const

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
    cap: capRequestBody,
    app_id: { ...idString, description: 'With APP_SECRET: the app' },
    external_user_id: { ...idString, description: "With APP_SECRET: the app's own user id" },
  },
} as const

const capProperties = {
  token_id: {
    type: 'string',
    description: 'The token that set the cap (this one, or one it was minted from)',
  },
  period: { type: 'string', enum: CAP_PERIODS },
  max_requests: capLimit,
  max_input_tokens: capLimit,
  max_output_tokens: capLimit,
} as const
const capRequired = ['token_id', 'period', 'max_requests', 'max_input_tokens', 'max_output_tokens'] as const

const capsDescription = 'Every cap that applies to calls through the token, nearest last; [] = uncapped'

const scopeProperties = {
  providers: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
  models: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
  origins: { type: ['array', 'null'], items: { type: 'string' }, description: 'null = any' },
} as const

const capsOfMinted = {
  type: 'array',
  items: { type: 'object', additionalProperties: false, required: capRequired, properties: capProperties },
  description: capsDescription,
} as const

const capsWithUsage = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: [...capRequired, 'used', 'resets_at'],
    properties: {
      ...capProperties,
      used: {
        type: 'object',
        additionalProperties: false,
        required: ['requests', 'input_tokens', 'output_tokens'],
        properties: {
          requests: { type: 'integer' },
          input_tokens: { type: 'integer' },
          output_tokens: { type: 'integer' },
        },
        description: 'This period so far, by every token that carries the cap, in-flight estimates included',
      },
      resets_at: { type: ['string', 'null'], format: 'date-time', description: 'null for a total cap' },
    },
  },
  description: capsDescription,
} as const

/** What a minted scoped token is answered with (`POST /tokens`, `POST /connect/token`). */
export const mintedBody = {
  type: 'object',
  required: ['token', 'id', 'expires_at', 'providers', 'models', 'origins', 'caps'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', description: 'Scoped relay token (`byok_rt_…`); shown once' },
    id: { type: 'string', description: 'For GET /tokens and DELETE /tokens/:id' },
    expires_at: { type: 'string', format: 'date-time' },
    ...scopeProperties,
    caps: capsOfMinted,
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
        required: [
          'id',
          'scoped',
          'current',
          'created_at',
          'expires_at',
          'providers',
          'models',
          'origins',
          'caps',
        ],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          scoped: { type: 'boolean', description: 'false for a full token from POST /users' },
          current: { type: 'boolean', description: 'the token this request was made with' },
          created_at: { type: 'string', format: 'date-time' },
          expires_at: { type: ['string', 'null'], format: 'date-time', description: 'null = never' },
          ...scopeProperties,
          caps: capsWithUsage,
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

const capFields = (cap: TokenCap) => ({
  token_id: cap.tokenId,
  period: cap.period,
  max_requests: cap.maxRequests,
  max_input_tokens: cap.maxInputTokens,
  max_output_tokens: cap.maxOutputTokens,
})

const capStatusFields = ({ cap, used, resetsAt }: TokenCapStatus) => ({
  ...capFields(cap),
  used: { requests: used.requests, input_tokens: used.inputTokens, output_tokens: used.outputTokens },
  resets_at: iso(resetsAt),
})

/** The `mintedBody` answer for a freshly minted token. */
export function mintedFields(issued: IssuedToken) {
  return {
    token: issued.token,
    id: issued.id,
    expires_at: iso(issued.expiresAt),
    ...scopeFields(issued.scope),
    caps: (issued.scope?.caps ?? []).map(capFields),
  }
}

function capRequest(cap: NonNullable<MintBody['cap']>): CapRequest {
  return {
    ...(cap.period !== undefined && { period: cap.period }),
    maxRequests: cap.max_requests ?? null,
    maxInputTokens: cap.max_input_tokens ?? null,
    maxOutputTokens: cap.max_output_tokens ?? null,
  }
}

/** The first field of `body` not among `fields`, for the unknown-field refusal. */
function unknownField(body: unknown, fields: object): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined
  return Object.keys(body).find((field) => !Object.hasOwn(fields, field))
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
          '(`token_scope_widen`). `cap` limits requests and tokens through it per UTC day, month or over its life ' +
          '(`total`); every cap of the minting token applies too, so a child never escapes it ' +
          '(`token_cap_exceeded`). With `Authorization: Bearer <APP_SECRET>` and no relay token, the app’s ' +
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
        const body = request.body as Record<string, unknown> | null
        const unknown = unknownField(body, mintBody.properties)
        if (unknown !== undefined) {
          throw new RelayError('validation_error', {
            message: `body.${unknown.slice(0, 64)} is not a field of POST /tokens`,
            hint: 'The fields are providers, models, origins, expires_in, cap (and app_id, external_user_id).',
          })
        }
        const unknownCap = unknownField(body?.cap, capRequestBody.properties)
        if (unknownCap !== undefined) {
          throw new RelayError('validation_error', {
            message: `body.cap.${unknownCap.slice(0, 64)} is not a field of a token cap`,
            hint: 'The fields are period, max_requests, max_input_tokens, max_output_tokens.',
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
      const cap = body.cap && capRequest(body.cap)
      const external = body.app_id !== undefined || body.external_user_id !== undefined
      let issued: IssuedToken
      if (request.caller) {
        if (external) {
          throw new RelayError('validation_error', {
            message:
              'app_id and external_user_id are for the app backend (APP_SECRET); a token mints for its own user',
          })
        }
        issued = await ctx.accounts.mintScoped(request.caller, scopeRequest, cap)
      } else {
        if (body.app_id === undefined || body.external_user_id === undefined) {
          throw new RelayError('validation_error', {
            message: 'With APP_SECRET, body.app_id and body.external_user_id are required',
          })
        }
        const user: ExternalUser = { appId: body.app_id, externalUserId: body.external_user_id }
        issued = await ctx.accounts.mintScoped(user, scopeRequest, cap)
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
        tokens: await Promise.all(
          tokens.map(async (t) => ({
            id: t.id,
            scoped: t.scope !== null,
            current: t.id === caller.tokenId,
            created_at: iso(t.createdAt),
            expires_at: iso(t.expiresAt),
            ...scopeFields(t.scope),
            caps: t.scope?.caps
              ? (await ctx.budgets.capStatus(caller.userId, t.scope.caps)).map(capStatusFields)
              : [],
          })),
        ),
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
