import type { ProviderSpec } from './types.js'

// https://docs.fireworks.ai/api-reference
export const fireworks = {
  id: 'fireworks',
  name: 'Fireworks AI',
  baseUrl: 'https://api.fireworks.ai',
  hosts: ['api.fireworks.ai'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/inference/v1' },
  keyEnv: ['FIREWORKS_API_KEY'],
  probe: { wire: 'openai-chat', model: 'accounts/fireworks/models/llama-v3p1-8b-instruct' },
  routes: [
    'POST /inference/v1/chat/completions',
    'POST /inference/v1/completions',
    'POST /inference/v1/embeddings',
    'POST /inference/v1/responses',
    'GET /inference/v1/models',
  ],
  keyFormat: { pattern: /^[A-Za-z0-9_.-]{20,}$/, example: 'fw_…' },
  verify: { method: 'GET', path: '/inference/v1/models' },
  models: ['accounts/fireworks/models/*'],
  chatPath: '/inference/v1/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
