import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { RelayConfig } from '../config.js'
import { PROVIDERS } from '../providers/index.js'

// Headers a browser app may read from relay responses: the relay's own rate-limit state, then each provider's
// request ids and rate-limit state (its `exposeHeaders`), which the official SDKs read for retries and errors.
const EXPOSED_HEADERS = [
  ...new Set([
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
    'ratelimit-policy',
    'retry-after',
    ...[...PROVIDERS.values()].flatMap((p) => p.exposeHeaders),
  ]),
]

/**
 * CORS per ALLOWED_ORIGINS: `*`, or an exact list. A preflight from another origin gets no allow headers,
 * so the browser blocks the call. Requested headers are reflected because provider SDKs send their own
 * (x-stainless-*, anthropic-version, …).
 */
export async function registerCors(app: FastifyInstance, options: RelayConfig['cors']): Promise<void> {
  await app.register(cors, {
    origin: options.origins === '*' ? '*' : [...options.origins],
    methods: 'GET, POST, DELETE, OPTIONS',
    // Joined once: @fastify/cors would join an array on every request.
    exposedHeaders: EXPOSED_HEADERS.join(', '),
    maxAge: 600,
    strictPreflight: false,
  })
}
