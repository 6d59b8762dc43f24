import type { ProviderSpec } from './types.js'

// https://api-docs.deepseek.com/ — paths work with and without the /v1 prefix.
export const deepseek = {
  id: 'deepseek',
  name: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com',
  auth: { header: 'authorization', prefix: 'Bearer ' },
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
