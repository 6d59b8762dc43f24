import type { FastifyInstance } from 'fastify'
import { PROVIDERS } from '../providers/index.js'
import type { RouteContext } from './context.js'

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
  app.get('/models', async () => body)
}
