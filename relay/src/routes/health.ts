import type { FastifyInstance } from 'fastify'
import { keyAad } from '../crypto/envelope.js'
import { RELAY_VERSION } from '../version.js'
import type { RouteContext } from './context.js'
import { errorResponses } from './schemas.js'

const healthBody = {
  type: 'object',
  required: ['ok', 'version', 'mode', 'uptime_s', 'checks'],
  additionalProperties: false,
  properties: {
    ok: { type: 'boolean' },
    version: { type: 'string' },
    mode: { type: 'string', enum: ['production', 'dev'] },
    uptime_s: { type: 'integer' },
    checks: {
      type: 'object',
      description: 'With ?deep=1: store and crypto round trips (and redis, when REDIS_URL is set)',
      additionalProperties: { type: 'string', enum: ['ok', 'fail'] },
    },
  },
} as const

/** `GET /health` (`?deep=1` also round-trips the store and the keyring) and `GET /version`. */
export async function registerHealthRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const startedAt = Date.now()

  app.get<{ Querystring: { deep?: string } }>(
    '/health',
    {
      schema: {
        summary: 'Liveness (and with ?deep=1, store and keyring round trips)',
        tags: ['meta'],
        querystring: {
          type: 'object',
          properties: { deep: { type: 'string', description: '`1` or `true` for the deep check' } },
        },
        response: {
          200: healthBody,
          // A failed deep check, or the relay shutting down (ErrorBody `unavailable`).
          ...errorResponses('validation_error'),
          // Description only: two shapes share this status, and the health body must not pass an ErrorBody serialiser.
          503: {
            description:
              'A deep check failed (the 200 body with ok:false), or the relay is shutting down (ErrorBody `unavailable`)',
          },
        },
      },
    },
    async (request, reply) => {
      const checks: Record<string, 'ok' | 'fail'> = {}
      const deep = request.query.deep === '1' || request.query.deep === 'true'
      if (deep) {
        // Every shared dependency gets one named probe here (the store is SQLite or Postgres); probes run
        // together, and a failure is logged with its cause but answered as `fail` only.
        const probes: Record<string, () => Promise<void>> = {
          store: () => ctx.store.ping(),
          crypto: async () => {
            const aad = keyAad('health', 'check')
            if (ctx.keyring.open(ctx.keyring.seal('ok', aad), aad) !== 'ok')
              throw new Error('round trip differs')
          },
        }
        // A Redis failure answers `fail` here while the relay keeps serving with per-instance limits.
        const redis = ctx.redis
        if (redis) probes.redis = () => redis.ping()
        const results = await Promise.all(
          Object.entries(probes).map(([name, probe]) =>
            probe().then(
              () => 'ok' as const,
              (err: unknown) => {
                request.log.error({ err }, `health: ${name} check failed`)
                return 'fail' as const
              },
            ),
          ),
        )
        for (const [i, name] of Object.keys(probes).entries()) checks[name] = results[i]!
      }
      const ok = Object.values(checks).every((c) => c === 'ok')
      reply.code(ok ? 200 : 503)
      return {
        ok,
        version: RELAY_VERSION,
        mode: ctx.config.mode,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        checks,
      }
    },
  )

  app.get(
    '/version',
    {
      schema: {
        summary: 'Relay name, version and API compatibility level',
        tags: ['meta'],
        response: {
          200: {
            type: 'object',
            required: ['name', 'version', 'api'],
            additionalProperties: false,
            properties: { name: { type: 'string' }, version: { type: 'string' }, api: { type: 'string' } },
          },
          ...errorResponses('rate_limited'),
        },
      },
    },
    async () => ({ name: 'byok-relay', version: RELAY_VERSION, api: 'byok-relay/1.5' }),
  )
}
