import type { FastifyInstance } from 'fastify'
import { RelayError } from '../errors.js'
import { callerOf } from '../plugins/auth.js'
import { findProvider, type ProviderSpec } from '../providers/index.js'
import { checkBaseUrlShape } from '../services/base-url.js'
import type { RouteContext } from './context.js'

const storeBody = {
  type: 'object',
  required: ['key'],
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 8192 },
    base_url: { type: 'string', minLength: 1, maxLength: 2048 },
  },
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

/** `POST /keys/:provider`, `GET /keys`, `DELETE /keys/:provider`. Keys go in; only hints come out. */
export async function registerKeyRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  app.post<{ Params: { provider: string }; Body: { key: string; base_url?: string } }>(
    '/keys/:provider',
    { schema: { params: providerParams, body: storeBody }, onRequest: ctx.requireCaller },
    async (request) => {
      const caller = callerOf(request)
      const provider = resolveProvider(request.params.provider)
      // Pasted keys often carry a trailing newline or space; anything inside the key is not trimmed.
      const key = request.body.key.trim()
      if (!provider.keyFormat.pattern.test(key)) {
        throw new RelayError('key_invalid', {
          message: `This does not look like a ${provider.name} key`,
          hint: `${provider.name} keys look like ${provider.keyFormat.example}`,
        })
      }
      const rawBaseUrl = request.body.base_url ?? headerString(request.headers['x-relay-base-url'])
      let baseUrl: string | null = null
      if (rawBaseUrl !== undefined) {
        if (!provider.customBaseUrl) {
          throw new RelayError('base_url_rejected', {
            message: `${provider.name} does not take a base_url`,
            hint: 'Use the openai-compatible provider for custom endpoints.',
          })
        }
        baseUrl = checkBaseUrlShape(rawBaseUrl, ctx.config.proxy.trustedUpstreams)
      }
      await ctx.vault.put(caller.userId, provider.id, key, baseUrl)
      return { ok: true, provider: provider.id }
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
