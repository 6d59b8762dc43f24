import type { ProviderSpec } from './types.js'

// https://docs.together.ai/reference — key formats have changed over time, so only the shape is checked.
export const together = {
  id: 'together',
  name: 'Together AI',
  baseUrl: 'https://api.together.xyz',
  hosts: ['api.together.xyz'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/v1' },
  keyEnv: ['TOGETHER_API_KEY'],
  probe: { wire: 'openai-chat', model: 'meta-llama/Llama-3.2-3B-Instruct-Turbo' },
  routes: [
    'POST /v1/chat/completions',
    'POST /v1/completions',
    'POST /v1/embeddings',
    'POST /v1/images/generations',
    'POST /v1/audio/speech',
    'POST /v1/audio/transcriptions',
    'POST /v1/rerank',
    'GET /v1/models',
  ],
  keyFormat: { pattern: /^[A-Za-z0-9_.-]{20,}$/, example: 'tgp_v1_…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: [],
  chatPath: '/v1/chat/completions',
  binary: true,
} as const satisfies ProviderSpec
