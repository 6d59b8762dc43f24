import type { FastifyInstance } from 'fastify'
import { PROVIDERS } from '../providers/index.js'
import type { RouteContext } from './context.js'
import { errorResponses } from './schemas.js'

const stringList = { type: 'array', items: { type: 'string' } } as const

const modelsBody = {
  type: 'object',
  required: ['providers', 'allowed_models'],
  additionalProperties: false,
  properties: {
    providers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'models', 'chat_path', 'routes', 'binary', 'custom_base_url'],
        additionalProperties: false,
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          models: { ...stringList, description: 'Bare model patterns POST /relay routes here' },
          chat_path: { type: ['string', 'null'] },
          routes: { ...stringList, description: 'Forwarded inference paths (METHOD /path)' },
          binary: { type: 'boolean' },
          custom_base_url: { type: 'boolean' },
        },
      },
    },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' } },
  },
} as const

/** `GET /models`: the routing table for `POST /relay`, each provider's forwarded paths, and the model allowlist. */
export async function registerModelRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const body = {
    providers: [...PROVIDERS.values()].map((p) => ({
      id: p.id,
      name: p.name,
      models: p.models,
      chat_path: p.chatPath ?? null,
      routes: p.routes,
      binary: p.binary,
      custom_base_url: p.customBaseUrl === true,
    })),
    allowed_models: ctx.config.proxy.allowedModels.length > 0 ? ctx.config.proxy.allowedModels : null,
  }
  app.get(
    '/models',
    {
      schema: {
        summary: 'Routing table, forwarded paths per provider, model allowlist',
        tags: ['meta'],
        response: { 200: modelsBody, ...errorResponses('rate_limited') },
      },
    },
    async () => body,
  )
}
