import type { ProviderSpec } from './types.js'

// https://docs.mistral.ai/api/
export const mistral = {
  id: 'mistral',
  name: 'Mistral',
  baseUrl: 'https://api.mistral.ai',
  auth: { header: 'authorization', prefix: 'Bearer ' },
  routes: [
    'POST /v1/chat/completions',
    'POST /v1/fim/completions',
    'POST /v1/agents/completions',
    'POST /v1/embeddings',
    'POST /v1/moderations',
    'POST /v1/chat/moderations',
    'POST /v1/ocr',
    'GET /v1/models',
    'GET /v1/models/*',
  ],
  keyFormat: { pattern: /^[A-Za-z0-9]{24,}$/, example: '32 letters and digits' },
  verify: { method: 'GET', path: '/v1/models' },
  models: [
    'mistral-*',
    'codestral-*',
    'pixtral-*',
    'ministral-*',
    'magistral-*',
    'devstral-*',
    'open-mistral-*',
  ],
  chatPath: '/v1/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
