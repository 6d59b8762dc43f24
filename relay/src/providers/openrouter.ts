import type { ProviderSpec } from './types.js'

// https://openrouter.ai/docs/api-reference — model ids are already "vendor/model", so routing needs the prefix.
export const openrouter = {
  id: 'openrouter',
  name: 'OpenRouter',
  baseUrl: 'https://openrouter.ai',
  hosts: ['openrouter.ai'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/api/v1', '@openrouter/ai-sdk-provider': '/api/v1' },
  keyEnv: ['OPENROUTER_API_KEY'],
  probe: { wire: 'openai-chat', model: 'openai/gpt-4o-mini' },
  routes: [
    'POST /api/v1/chat/completions',
    'POST /api/v1/completions',
    'POST /api/v1/responses',
    'POST /api/v1/embeddings',
    'GET /api/v1/models',
  ],
  keyFormat: { pattern: /^sk-or-[A-Za-z0-9_-]{16,}$/, example: 'sk-or-…' },
  // /api/v1/models answers without a key; /api/v1/key is the cheapest request that checks one.
  verify: { method: 'GET', path: '/api/v1/key' },
  models: [],
  chatPath: '/api/v1/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
