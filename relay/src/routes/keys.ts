import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import { findProvider, type ProviderSpec } from '../providers/index.js'
import type { EgressPolicy } from '../proxy/egress.js'
import { verifyKey } from '../proxy/upstream.js'
import type { RouteContext } from './context.js'

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

export interface KeyRouteDeps {
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
    { schema: { params: providerParams, body: storeBody }, onRequest: ctx.requireCaller },
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
    { schema: { params: providerParams, body: rotateBody }, onRequest: ctx.requireCaller },
    async (request) => {
      const caller = callerOf(request)
      const provider = resolveProvider(request.params.provider)
      const key = checkKeyFormat(provider, request.body.key)
      const existing = await ctx.store.getKey(caller.userId, provider.id)
      const boundUrl = existing?.baseUrl ?? null
      const operatorUrl = ctx.config.proxy.baseUrls[provider.id]
      const target = provider.customBaseUrl
        ? boundUrl !== null
          ? { baseUrl: boundUrl, dispatcher: deps.egress.dispatcher }
          : operatorUrl !== undefined
            ? { baseUrl: operatorUrl, dispatcher: deps.upstream }
            : undefined
        : { baseUrl: operatorUrl ?? provider.baseUrl, dispatcher: deps.upstream }
      if (!target) {
        throw new RelayError('base_url_rejected', {
          message: 'No base URL is bound to this key, so the new key cannot be verified',
          hint: 'Store the key with POST /keys/openai-compatible and a base_url instead.',
        })
      }
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

  app.get('/keys', { onRequest: ctx.requireCaller }, async (request) => {
    const keys = await ctx.vault.list(callerOf(request).userId)
    return { providers: keys.map((k) => k.provider), keys }
  })

  app.delete<{ Params: { provider: string } }>(
    '/keys/:provider',
    { schema: { params: providerParams }, onRequest: ctx.requireCaller },
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
