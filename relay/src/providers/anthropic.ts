import type { ProviderSpec } from './types.js'

// https://docs.anthropic.com/en/api/messages — the API refuses requests without anthropic-version.
export const anthropic = {
  id: 'anthropic',
  name: 'Anthropic',
  baseUrl: 'https://api.anthropic.com',
  hosts: ['api.anthropic.com'],
  auth: { header: 'x-api-key' },
  defaultHeaders: { 'anthropic-version': '2023-06-01' },
  requestHeaders: ['anthropic-version', 'anthropic-beta', 'x-stainless-*'],
  responseHeaders: ['request-id', 'anthropic-ratelimit-*'],
  exposeHeaders: [
    'request-id',
    'anthropic-ratelimit-requests-limit',
    'anthropic-ratelimit-requests-remaining',
    'anthropic-ratelimit-requests-reset',
    'anthropic-ratelimit-tokens-limit',
    'anthropic-ratelimit-tokens-remaining',
    'anthropic-ratelimit-tokens-reset',
  ],
  sdkBasePaths: { '@anthropic-ai/sdk': '', '@ai-sdk/anthropic': '/v1' },
  keyEnv: ['ANTHROPIC_API_KEY'],
  probe: { wire: 'anthropic-messages', model: 'claude-3-5-haiku-latest' },
  routes: [
    'POST /v1/messages',
    'POST /v1/messages/count_tokens',
    'POST /v1/complete',
    'GET /v1/models',
    'GET /v1/models/*',
  ],
  keyFormat: { pattern: /^sk-ant-[A-Za-z0-9_-]{16,}$/, example: 'sk-ant-…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: ['claude-*'],
  chatPath: '/v1/messages',
  binary: false,
} as const satisfies ProviderSpec
