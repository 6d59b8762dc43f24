import type { ProviderSpec } from './types.js'

// https://inference-docs.cerebras.ai/api-reference
export const cerebras = {
  id: 'cerebras',
  name: 'Cerebras',
  baseUrl: 'https://api.cerebras.ai',
  hosts: ['api.cerebras.ai'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/v1' },
  keyEnv: ['CEREBRAS_API_KEY'],
  probe: { wire: 'openai-chat', model: 'llama3.1-8b' },
  routes: ['POST /v1/chat/completions', 'POST /v1/completions', 'GET /v1/models', 'GET /v1/models/*'],
  keyFormat: { pattern: /^csk-[A-Za-z0-9]{16,}$/, example: 'csk-…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: ['llama3.1-*'],
  chatPath: '/v1/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
