import type { FastifyInstance } from 'fastify'
import { keyAad } from '../crypto/envelope.js'
import { RELAY_VERSION } from '../version.js'
import type { RouteContext } from './context.js'

/** `GET /health` (`?deep=1` also round-trips the store and the keyring) and `GET /version`. */
export async function registerHealthRoutes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const startedAt = Date.now()

  app.get<{ Querystring: { deep?: string } }>('/health', async (request, reply) => {
    const checks: Record<string, 'ok' | 'fail'> = {}
    const deep = request.query.deep === '1' || request.query.deep === 'true'
    if (deep) {
      checks.store = await ctx.store.ping().then(
        () => 'ok' as const,
        (err: unknown) => {
          request.log.error({ err }, 'health: store check failed')
          return 'fail' as const
        },
      )
      try {
        const aad = keyAad('health', 'check')
        checks.crypto = ctx.keyring.open(ctx.keyring.seal('ok', aad), aad) === 'ok' ? 'ok' : 'fail'
      } catch {
        checks.crypto = 'fail'
      }
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
  })

  app.get('/version', async () => ({ name: 'byok-relay', version: RELAY_VERSION, api: 'byok-relay/1.5' }))
}
