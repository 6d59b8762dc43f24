import type { ProviderSpec } from './types.js'

// https://api-docs.deepseek.com/ — paths work with and without the /v1 prefix.
export const deepseek = {
  id: 'deepseek',
  name: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com',
  hosts: ['api.deepseek.com'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: { openai: '/v1', '@ai-sdk/deepseek': '' },
  keyEnv: ['DEEPSEEK_API_KEY'],
  probe: { wire: 'openai-chat', model: 'deepseek-chat' },
  routes: [
    'POST /chat/completions',
    'POST /v1/chat/completions',
    'POST /completions',
    'POST /beta/completions',
    'GET /models',
    'GET /v1/models',
  ],
  keyFormat: { pattern: /^sk-[A-Za-z0-9]{16,}$/, example: 'sk-…' },
  verify: { method: 'GET', path: '/models' },
  models: ['deepseek-*'],
  chatPath: '/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
