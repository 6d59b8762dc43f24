import type { FastifyInstance } from 'fastify'
import { PROVIDERS } from '../providers/index.js'
import { globToRegExpSource } from '../proxy/models.js'
import type { RouteContext } from './context.js'
import { errorResponses } from './schemas.js'

const stringList = { type: 'array', items: { type: 'string' } } as const

const providerDetails = {
  type: 'array',
  description: "byok's per-provider detail: bare model patterns, chat path, forwarded paths",
  items: {
    type: 'object',
    required: ['id', 'name', 'models', 'chat_path', 'routes', 'binary', 'custom_base_url'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      models: { ...stringList, description: 'Bare model patterns POST /relay routes here (`*` wildcard)' },
      chat_path: { type: ['string', 'null'] },
      routes: { ...stringList, description: 'Forwarded inference paths (METHOD /path)' },
      binary: { type: 'boolean' },
      custom_base_url: { type: 'boolean' },
    },
  },
} as const

// byok-relay's fields first (its clients read `providers` as a list of ids), byok's richer detail beside them.
const modelsBody = {
  type: 'object',
  required: ['providers', 'providerPrefixes', 'patterns', 'restricted', 'allowed_models', 'provider_details'],
  additionalProperties: false,
  properties: {
    providers: {
      ...stringList,
      description: 'Provider ids, usable in /relay/:provider/* and /keys/:provider',
    },
    providerPrefixes: {
      ...stringList,
      description: 'Prefixes POST /relay accepts in `model` ("anthropic/claude-…")',
    },
    patterns: {
      type: 'array',
      description: 'How POST /relay routes a bare model name: the first matching pattern wins',
      items: {
        type: 'object',
        required: ['pattern', 'flags', 'provider'],
        additionalProperties: false,
        properties: {
          pattern: { type: 'string', description: 'Regular expression source' },
          flags: { type: 'string' },
          provider: { type: 'string' },
        },
      },
    },
    restricted: { type: 'boolean', description: 'Whether ALLOWED_MODELS limits the models' },
    allowed_models: {
      type: ['array', 'null'],
      items: { type: 'string' },
      description: 'ALLOWED_MODELS when restricted, else null',
    },
    provider_details: providerDetails,
  },
} as const

/** `GET /models`: the routing table for `POST /relay`, each provider's forwarded paths, and the model allowlist. */
export async function registerModelRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const providers = [...PROVIDERS.values()]
  const restricted = ctx.config.proxy.allowedModels.length > 0
  const body = {
    providers: providers.map((p) => p.id),
    providerPrefixes: providers.filter((p) => p.chatPath || p.nativeChat).map((p) => p.id),
    patterns: providers.flatMap((p) =>
      p.models.map((glob) => ({ pattern: globToRegExpSource(glob), flags: '', provider: p.id })),
    ),
    restricted,
    allowed_models: restricted ? ctx.config.proxy.allowedModels : null,
    provider_details: providers.map((p) => ({
      id: p.id,
      name: p.name,
      models: p.models,
      chat_path: p.chatPath ?? null,
      routes: p.routes,
      binary: p.binary,
      custom_base_url: p.customBaseUrl === true,
    })),
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
