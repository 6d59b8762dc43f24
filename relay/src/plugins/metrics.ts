import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Registry } from 'prom-client'
import { RelayError } from '../errors.js'
import { PROVIDERS } from '../providers/index.js'
import { errorResponses } from '../routes/schemas.js'
import type { Store } from '../store/types.js'
import { bearerMatches } from './auth.js'

type LimiterName = 'global' | 'register' | 'relay'

/** What the app and the relay route report; every label value is a route pattern, provider id or number. */
export interface RelayMetrics {
  readonly registry: Registry
  rateLimited(limiter: LimiterName): void
  storeError(operation: string): void
  /** An upstream call started: one more open stream until `streamClosed`. */
  streamOpened(): void
  streamClosed(provider: string, latencyMs: number): void
}

/**
 * prom-client instruments on their own Registry (never the global one, so two apps in one process do not
 * collide). Label children are bound once per label set and reused: the per-request cost is a Map lookup and
 * an increment. prom-client (and its OpenTelemetry dependency) loads only here, when METRICS_TOKEN is set: a relay
 * without metrics does not carry it in memory.
 */
export async function createMetrics(): Promise<
  RelayMetrics & { countRequest(method: string, route: string, provider: string, status: number): void }
> {
  const { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } = await import('prom-client')
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'byok_' })
  const requests = new Counter({
    name: 'byok_http_requests_total',
    help: 'Responses sent, by method, route pattern, provider and status',
    labelNames: ['method', 'route', 'provider', 'status'] as const,
    registers: [registry],
  })
  const upstream = new Histogram({
    name: 'byok_upstream_duration_seconds',
    help: 'Relay calls from the start of the upstream request to the end of the response, by provider',
    labelNames: ['provider'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [registry],
  })
  const openStreams = new Gauge({
    name: 'byok_open_streams',
    help: 'Relay calls in flight (upstream request started, client response not finished)',
    registers: [registry],
  })
  const rateLimited = new Counter({
    name: 'byok_rate_limit_rejections_total',
    help: 'Requests refused with 429, by limiter',
    labelNames: ['limiter'] as const,
    registers: [registry],
  })
  const storeErrors = new Counter({
    name: 'byok_store_errors_total',
    help: 'Failed store operations, by operation',
    labelNames: ['operation'] as const,
    registers: [registry],
  })

  const requestChildren = new Map<string, ReturnType<typeof requests.labels>>()
  const latencyChildren = new Map<string, ReturnType<typeof upstream.labels>>()
  return {
    registry,
    countRequest(method, route, provider, status) {
      const id = `${method} ${route} ${provider} ${status}`
      let child = requestChildren.get(id)
      if (!child) {
        child = requests.labels(method, route, provider, String(status))
        requestChildren.set(id, child)
      }
      child.inc()
    },
    rateLimited: (limiter) => rateLimited.inc({ limiter }),
    storeError: (operation) => storeErrors.inc({ operation }),
    streamOpened: () => openStreams.inc(),
    streamClosed(provider, latencyMs) {
      openStreams.dec()
      let child = latencyChildren.get(provider)
      if (!child) {
        child = upstream.labels(provider)
        latencyChildren.set(provider, child)
      }
      child.observe(latencyMs / 1000)
    },
  }
}

/** The provider a request concerned, only ever a registry id (never a raw URL segment), or ''. */
function providerOf(request: FastifyRequest): string {
  const target = (request as { relayTarget?: { provider: { id: string } } | null }).relayTarget
  if (target) return target.provider.id
  const param = (request.params as { provider?: unknown } | undefined)?.provider
  return typeof param === 'string' && PROVIDERS.has(param) ? param : ''
}

/**
 * Counts every response in one synchronous onResponse hook (it also fires for relay responses written straight
 * to the socket), and serves `GET /metrics` behind `Authorization: Bearer <METRICS_TOKEN>`. Register before the
 * routes so the hook covers them all.
 */
export function registerMetrics(
  app: FastifyInstance,
  metrics: Awaited<ReturnType<typeof createMetrics>>,
  token: string,
): void {
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    // The route pattern, never request.url: raw URLs carry ids and unbounded values.
    metrics.countRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      providerOf(request),
      reply.statusCode,
    )
    done()
  })

  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (only when METRICS_TOKEN is set)',
        tags: ['meta'],
        security: [{ metricsToken: [] }],
        response: {
          200: { description: 'Prometheus text exposition format' },
          ...errorResponses('metrics_token_invalid', 'rate_limited'),
        },
      },
      onRequest: async (request) => {
        if (!bearerMatches(request, token)) throw new RelayError('metrics_token_invalid')
      },
    },
    async (_request, reply) => {
      const text = await metrics.registry.metrics()
      return reply.type(metrics.registry.contentType).send(text)
    },
  )
}

/** Counts failed store calls by method name; wraps the real store, under the read cache. */
export function withStoreErrorCount(store: Store, onError: (operation: string) => void): Store {
  const wrapped: Record<string, unknown> = { ...store }
  for (const [operation, fn] of Object.entries(store)) {
    if (typeof fn !== 'function') continue
    wrapped[operation] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(store, args)
      } catch (error) {
        onError(operation)
        throw error
      }
    }
  }
  return wrapped as unknown as Store
}
