import type { ProviderSpec } from './types.js'

// https://docs.x.ai/docs/api-reference
export const xai = {
  id: 'xai',
  name: 'xAI',
  baseUrl: 'https://api.x.ai',
  hosts: ['api.x.ai'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/v1', '@ai-sdk/xai': '/v1' },
  keyEnv: ['XAI_API_KEY'],
  probe: { wire: 'openai-chat', model: 'grok-3-mini' },
  routes: [
    'POST /v1/chat/completions',
    'POST /v1/completions',
    'POST /v1/responses',
    'POST /v1/messages',
    'POST /v1/images/generations',
    'POST /v1/embeddings',
    'GET /v1/models',
    'GET /v1/language-models',
  ],
  keyFormat: { pattern: /^xai-[A-Za-z0-9_-]{16,}$/, example: 'xai-…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: ['grok-*'],
  chatPath: '/v1/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
