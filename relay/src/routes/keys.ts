import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import { findProvider, type ProviderSpec } from '../providers/index.js'
import { resolveDestination } from '../proxy/custom-endpoint.js'
import type { EgressPolicy } from '../proxy/egress.js'
import { verifyKey } from '../proxy/upstream.js'
import type { RouteContext } from './context.js'
import { errorResponses, FULL_TOKEN_ERRORS, TOKEN_ERRORS, TOKEN_SECURITY } from './schemas.js'

const storeBody = {
  type: 'object',
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 8192 },
    base_url: { type: 'string', minLength: 1, maxLength: 2048 },
  },
} as const

const rotateBody = {
  type: 'object',
  required: ['key'],
  properties: { key: { type: 'string', minLength: 1, maxLength: 8192 } },
} as const

const providerParams = {
  type: 'object',
  required: ['provider'],
  properties: { provider: { type: 'string', maxLength: 64 } },
} as const

const providerOk = {
  ok: { type: 'boolean', enum: [true] },
  provider: { type: 'string' },
} as const

// Key-list items name exactly what may leave the relay: additionalProperties false keeps key material out.
const keyListBody = {
  type: 'object',
  required: ['providers', 'keys'],
  additionalProperties: false,
  properties: {
    providers: { type: 'array', items: { type: 'string' } },
    keys: {
      type: 'array',
      items: {
        type: 'object',
        required: ['provider', 'hint', 'created_at', 'updated_at'],
        additionalProperties: false,
        properties: {
          provider: { type: 'string' },
          hint: { type: 'string', maxLength: 8, description: 'At most the last 4 characters of the key' },
          created_at: { type: 'string', format: 'date-time' },
          updated_at: { type: 'string', format: 'date-time' },
          base_url: { type: 'string', description: 'The endpoint bound to an openai-compatible key' },
        },
      },
    },
  },
} as const

const BODY_ERRORS = ['validation_error', 'unsupported_media_type', 'body_too_large'] as const

export function resolveProvider(id: string): ProviderSpec {
  const provider = findProvider(id)
  if (!provider) {
    throw new RelayError('provider_unknown', { message: `Unknown provider "${id.slice(0, 64)}"` })
  }
  return provider
}

/** Pasted keys often carry a trailing newline or space; anything inside the key is kept as is. */
function checkKeyFormat(provider: ProviderSpec, raw: string): string {
  const key = raw.trim()
  if (!provider.keyFormat.pattern.test(key)) {
    throw new RelayError('key_invalid', {
      message: `This does not look like a ${provider.name} key`,
      hint: `${provider.name} keys look like ${provider.keyFormat.example}`,
    })
  }
  return key
}

interface KeyRouteDeps {
  readonly upstream: Dispatcher
  readonly egress: EgressPolicy
}

/**
 * `POST /keys/:provider`, `POST /keys/:provider/rotate`, `GET /keys`, `DELETE /keys/:provider`.
 * Keys go in; only hints come out.
 */
export async function registerKeyRoutes(
  app: FastifyInstance,
  ctx: RouteContext,
  deps: KeyRouteDeps,
): Promise<void> {
  app.post<{ Params: { provider: string }; Body: { key: string; base_url?: string } }>(
    '/keys/:provider',
    {
      schema: {
        summary: "Store the user's key for a provider (encrypted at rest, never returned)",
        tags: ['keys'],
        security: TOKEN_SECURITY,
        params: providerParams,
        body: storeBody,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'provider'],
            additionalProperties: false,
            properties: providerOk,
          },
          ...errorResponses(
            ...FULL_TOKEN_ERRORS,
            ...BODY_ERRORS,
            'provider_unknown',
            'key_invalid',
            'base_url_rejected',
            'rate_limited',
          ),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const caller = callerOf(request)
      const provider = resolveProvider(request.params.provider)
      const key = checkKeyFormat(provider, request.body.key)
      const rawBaseUrl = request.body.base_url ?? headerString(request.headers['x-relay-base-url'])
      let baseUrl: string | null = null
      if (rawBaseUrl !== undefined) {
        if (!provider.customBaseUrl) {
          throw new RelayError('base_url_rejected', {
            message: `${provider.name} does not take a base_url`,
            hint: 'Use the openai-compatible provider for custom endpoints.',
          })
        }
        // Checked with DNS now, and again (pinned) on every connection.
        baseUrl = await deps.egress.checkUrlResolved(rawBaseUrl)
      }
      await ctx.vault.put(caller.userId, provider.id, key, baseUrl)
      return { ok: true, provider: provider.id }
    },
  )

  app.post<{ Params: { provider: string }; Body: { key: string } }>(
    '/keys/:provider/rotate',
    {
      schema: {
        summary: 'Replace the key after the provider has accepted the new one',
        tags: ['keys'],
        security: TOKEN_SECURITY,
        params: providerParams,
        body: rotateBody,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'provider', 'rotated'],
            additionalProperties: false,
            properties: {
              ...providerOk,
              rotated: { type: 'boolean', description: 'false when no key was stored before' },
            },
          },
          ...errorResponses(
            ...FULL_TOKEN_ERRORS,
            ...BODY_ERRORS,
            'provider_unknown',
            'key_invalid',
            'key_rejected',
            'base_url_rejected',
            'upstream_unreachable',
            'upstream_timeout',
            'rate_limited',
          ),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const caller = callerOf(request)
      const provider = resolveProvider(request.params.provider)
      const key = checkKeyFormat(provider, request.body.key)
      const existing = await ctx.store.getKey(caller.userId, provider.id)
      const boundUrl = existing?.baseUrl ?? null
      // No x-relay-base-url here: rotation verifies against the URL already bound, it never binds a new one.
      const target = await resolveDestination({
        provider,
        boundUrl,
        requestedUrl: undefined,
        operatorUrl: ctx.config.proxy.baseUrls[provider.id],
        userId: caller.userId,
        store: ctx.store,
        egress: deps.egress,
        trusted: deps.upstream,
        bind: false,
      })
      // The old key stays until the provider has accepted the new one.
      if ((await verifyKey(provider, key, target.baseUrl, target.dispatcher)) === 'rejected') {
        throw new RelayError('key_rejected', {
          message: `${provider.name} rejected the new key; the old key was kept`,
          hint: 'Check that the key is active and copied completely.',
        })
      }
      await ctx.vault.put(caller.userId, provider.id, key, boundUrl)
      return { ok: true, provider: provider.id, rotated: existing !== undefined }
    },
  )

  app.get(
    '/keys',
    {
      schema: {
        summary: 'List stored keys as masked hints',
        description: "A scoped token sees only its providers' keys; only full tokens store or delete keys.",
        tags: ['keys'],
        security: TOKEN_SECURITY,
        response: { 200: keyListBody, ...errorResponses(...TOKEN_ERRORS, 'rate_limited') },
      },
      onRequest: ctx.requireCallerOrScoped,
    },
    async (request) => {
      const caller = callerOf(request)
      const visible = caller.scope?.providers ?? null
      const stored = await ctx.vault.list(caller.userId)
      const keys = stored
        .filter((k) => visible === null || visible.includes(k.provider))
        .map(({ base_url, ...rest }) =>
          // A key bound to the operator's own endpoint does not reveal it: it may be an internal address.
          base_url === undefined || base_url === ctx.config.proxy.baseUrls[rest.provider]
            ? rest
            : { ...rest, base_url },
        )
      return { providers: keys.map((k) => k.provider), keys }
    },
  )

  app.delete<{ Params: { provider: string } }>(
    '/keys/:provider',
    {
      schema: {
        summary: "Delete the user's key for a provider",
        tags: ['keys'],
        security: TOKEN_SECURITY,
        params: providerParams,
        response: {
          200: {
            type: 'object',
            required: ['ok', 'provider', 'deleted'],
            additionalProperties: false,
            properties: { ...providerOk, deleted: { type: 'boolean' } },
          },
          ...errorResponses(...FULL_TOKEN_ERRORS, 'provider_unknown', 'rate_limited'),
        },
      },
      onRequest: ctx.requireCaller,
    },
    async (request) => {
      const provider = resolveProvider(request.params.provider)
      const deleted = await ctx.vault.remove(callerOf(request).userId, provider.id)
      return { ok: true, provider: provider.id, deleted }
    },
  )
}

function headerString(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}
