import { randomBytes } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import { resolveProvider } from '../providers/index.js'
import { CONNECT_CODE_TTL_MS, createConnectCodes } from '../services/connect-codes.js'
import { renderConnectPage } from './connect-page.js'
import type { RouteContext } from './context.js'
import { errorResponses, FULL_TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'
import { mintedBody, mintedFields } from './tokens.js'
import { idString } from './users.js'

/** Lifetime of the scoped token the connect page hands over (popup) or a code exchanges for (redirect), seconds. */
const CONNECT_TOKEN_TTL_S = 900

const providerString = { type: 'string', minLength: 1, maxLength: 64 } as const
const redirectUriString = { type: 'string', minLength: 1, maxLength: 2048 } as const
// PKCE (RFC 7636): a S256 challenge is base64url of 32 bytes; a verifier is 43–128 unreserved characters.
const challengeString = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } as const
const verifierString = { type: 'string', pattern: '^[A-Za-z0-9._~-]{43,128}$' } as const

const connectQuery = {
  type: 'object',
  required: ['app_id', 'provider'],
  additionalProperties: false,
  properties: {
    app_id: idString,
    provider: providerString,
    origin: {
      type: 'string',
      minLength: 1,
      maxLength: 300,
      description: 'Popup mode: the opener page’s exact origin; it must be in ALLOWED_ORIGINS',
    },
    redirect_uri: {
      ...redirectUriString,
      description: 'Redirect mode: where to send the code; its origin must be in ALLOWED_ORIGINS',
    },
    state: { type: 'string', maxLength: 500, description: 'Redirect mode: returned unchanged' },
    code_challenge: { ...challengeString, description: 'Redirect mode: base64url(SHA-256(code_verifier))' },
    code_challenge_method: { type: 'string', enum: ['S256'] },
  },
} as const

interface ConnectQuery {
  app_id: string
  provider: string
  origin?: string
  redirect_uri?: string
  state?: string
  code_challenge?: string
  code_challenge_method?: 'S256'
}

const codesBody = {
  type: 'object',
  required: ['provider', 'redirect_uri', 'code_challenge', 'code_challenge_method'],
  additionalProperties: false,
  properties: {
    provider: providerString,
    redirect_uri: redirectUriString,
    code_challenge: challengeString,
    code_challenge_method: { type: 'string', enum: ['S256'] },
  },
} as const

const exchangeBody = {
  type: 'object',
  required: ['code', 'code_verifier', 'redirect_uri'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', minLength: 1, maxLength: 200 },
    code_verifier: verifierString,
    redirect_uri: redirectUriString,
  },
} as const

const BODY_ERRORS = ['validation_error', 'unsupported_media_type', 'body_too_large'] as const

function validation(message: string, hint?: string): RelayError {
  return new RelayError('validation_error', hint === undefined ? { message } : { message, hint })
}

/** The origins the connect page serves: ALLOWED_ORIGINS, which must be a list (with `*` any site could ask). */
function connectOrigins(ctx: RouteContext): readonly string[] {
  const origins = ctx.config.cors.origins
  if (origins === '*') {
    throw new RelayError('not_configured', {
      message: 'The connect page needs ALLOWED_ORIGINS to list the apps’ origins (it is *)',
      hint: 'Set ALLOWED_ORIGINS to the exact origins of the apps that may open the connect page.',
    })
  }
  return origins
}

function allowedOrigin(ctx: RouteContext, origin: string, what: string): string {
  if (!connectOrigins(ctx).includes(origin)) {
    throw new RelayError('connect_origin_forbidden', {
      message: `${what} ${origin.slice(0, 100)} is not allowed to use the connect page`,
    })
  }
  return origin
}

/** An http(s) URL without credentials or fragment whose origin is allowed; returns that origin. */
function redirectOrigin(ctx: RouteContext, raw: string): string {
  let url: URL | undefined
  try {
    url = new URL(raw)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw validation('redirect_uri must be an absolute http(s) URL without credentials')
  }
  if (url.hash || raw.includes('#')) throw validation('redirect_uri must not have a fragment')
  return allowedOrigin(ctx, url.origin, 'The redirect_uri origin')
}

/** `GET /connect`, `POST /connect/codes`, `POST /connect/token`: the relay-hosted key entry (issue 20). */
export async function registerConnectRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const now = ctx.now
  const codes = createConnectCodes(ctx.store, now)

  app.get<{ Querystring: ConnectQuery }>(
    '/connect',
    {
      schema: {
        summary: 'The relay-hosted page where the user pastes and verifies a key; the app never sees it',
        description:
          'Popup mode (`origin`): the opener hands over its relay token by postMessage and gets a scoped token ' +
          `(that provider, that origin, ${CONNECT_TOKEN_TTL_S / 60} minutes) back. Redirect mode (\`redirect_uri\` + PKCE S256): ` +
          'the page redirects with a one-time code for POST /connect/token.',
        tags: ['connect'],
        produces: ['text/html'],
        querystring: connectQuery,
        response: {
          200: { description: 'The connect page', content: { 'text/html': { schema: { type: 'string' } } } },
          ...errorResponses(
            'validation_error',
            'provider_unknown',
            'connect_origin_forbidden',
            'not_configured',
            'rate_limited',
          ),
        },
      },
    },
    async (request, reply) => {
      const q = request.query
      const provider = resolveProvider(q.provider)
      if ((q.origin === undefined) === (q.redirect_uri === undefined)) {
        throw validation('Give exactly one of origin (popup mode) and redirect_uri (redirect mode)')
      }
      let origin: string
      if (q.origin !== undefined) {
        if (q.code_challenge !== undefined || q.state !== undefined) {
          throw validation('state and code_challenge belong to redirect mode (redirect_uri)')
        }
        origin = allowedOrigin(ctx, q.origin, 'The origin')
      } else {
        origin = redirectOrigin(ctx, q.redirect_uri as string)
        if (q.code_challenge === undefined || q.code_challenge_method !== 'S256') {
          throw validation(
            'Redirect mode needs code_challenge and code_challenge_method=S256',
            'Send base64url(SHA-256(code_verifier)) and keep the verifier for POST /connect/token.',
          )
        }
      }
      const nonce = randomBytes(16).toString('base64')
      const mode = q.origin !== undefined ? 'popup' : 'redirect'
      reply.headers({
        'content-security-policy':
          `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; ` +
          "img-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'",
        // Popup mode talks to its opener: same-origin would sever window.opener across origins.
        'cross-origin-opener-policy': mode === 'popup' ? 'unsafe-none' : 'same-origin',
      })
      return reply.type('text/html; charset=utf-8').send(
        renderConnectPage(
          {
            mode,
            appId: q.app_id,
            provider: provider.id,
            providerName: provider.name,
            origin,
            redirectUri: q.redirect_uri ?? null,
            state: q.state ?? null,
            codeChallenge: q.code_challenge ?? null,
            expiresIn: CONNECT_TOKEN_TTL_S,
          },
          nonce,
        ),
      )
    },
  )

  app.post<{ Body: { provider: string; redirect_uri: string; code_challenge: string } }>(
    '/connect/codes',
    {
      schema: {
        summary: 'Redirect mode: a one-time code (60 s) for the connect page to hand to redirect_uri',
        tags: ['connect'],
        security: TOKEN_SECURITY,
        body: codesBody,
        response: {
          200: {
            type: 'object',
            required: ['code', 'expires_at'],
            additionalProperties: false,
            properties: {
              code: { type: 'string', description: 'For POST /connect/token, once, with the PKCE verifier' },
              expires_at: { type: 'string', format: 'date-time' },
            },
          },
          ...errorResponses(
            ...FULL_TOKEN_ERRORS,
            ...BODY_ERRORS,
            'provider_unknown',
            'key_missing',
            'connect_origin_forbidden',
            'not_configured',
            'rate_limited',
          ),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const caller = callerOf(request)
      const { redirect_uri: redirectUri, code_challenge: challenge } = request.body
      const provider = resolveProvider(request.body.provider)
      const origin = redirectOrigin(ctx, redirectUri)
      if (!(await ctx.vault.lookup(caller.userId, provider.id))) {
        throw new RelayError('key_missing', { message: `No ${provider.name} key is stored for this user` })
      }
      const code = await codes.issue({
        tokenHash: caller.tokenHash,
        provider: provider.id,
        redirectUri,
        origin,
        challenge,
      })
      return { code, expires_at: new Date(now() + CONNECT_CODE_TTL_MS).toISOString() }
    },
  )

  app.post<{ Body: { code: string; code_verifier: string; redirect_uri: string } }>(
    '/connect/token',
    {
      schema: {
        summary: 'Redirect mode: exchange the code and its PKCE verifier for a scoped token',
        description: `The token allows the connected provider only, from the redirect_uri's origin only, for ${CONNECT_TOKEN_TTL_S / 60} minutes.`,
        tags: ['connect'],
        security: [],
        body: exchangeBody,
        response: {
          200: mintedBody,
          ...errorResponses(
            ...BODY_ERRORS,
            'connect_code_invalid',
            'connect_verifier_invalid',
            'token_revoked',
            'token_invalid',
            'rate_limited',
          ),
        },
      },
    },
    async (request) => {
      const { code, code_verifier: verifier, redirect_uri: redirectUri } = request.body
      const pending = await codes.redeem(code, verifier, redirectUri)
      // The token the page acted with may have been revoked since: check it again before minting from it.
      const parent = await ctx.accounts.recheck(pending.tokenHash)
      const issued = await ctx.accounts.mintScoped(parent, {
        providers: [pending.provider],
        origins: [pending.origin],
        expiresIn: CONNECT_TOKEN_TTL_S,
      })
      return mintedFields(issued)
    },
  )
}
