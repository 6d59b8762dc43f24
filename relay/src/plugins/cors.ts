import cors from '@fastify/cors'
import type { FastifyInstance } from 'fastify'
import type { RelayConfig } from '../config.js'

// Headers a browser app may read from relay responses: rate-limit state and provider request ids, which
// SDKs surface in their errors.
const EXPOSED_HEADERS = [
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'retry-after',
  'request-id',
  'x-request-id',
  // Provider rate-limit state and timing, which the official SDKs read for retries and errors.
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'anthropic-ratelimit-requests-limit',
  'anthropic-ratelimit-requests-remaining',
  'anthropic-ratelimit-requests-reset',
  'anthropic-ratelimit-tokens-limit',
  'anthropic-ratelimit-tokens-remaining',
  'anthropic-ratelimit-tokens-reset',
  'openai-processing-ms',
  'openai-version',
]

/**
 * CORS per ALLOWED_ORIGINS: `*`, or an exact list. A preflight from another origin gets no allow headers,
 * so the browser blocks the call. Requested headers are reflected because provider SDKs send their own
 * (x-stainless-*, anthropic-version, …).
 */
export async function registerCors(app: FastifyInstance, options: RelayConfig['cors']): Promise<void> {
  await app.register(cors, {
    origin: options.origins === '*' ? '*' : [...options.origins],
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
    strictPreflight: false,
  })
}
