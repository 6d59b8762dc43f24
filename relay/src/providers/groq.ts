import { OPENAI_RATE_LIMIT_HEADERS } from './openai.js'
import type { ProviderSpec } from './types.js'

// https://console.groq.com/docs/api-reference (OpenAI-compatible under /openai/v1)
export const groq = {
  id: 'groq',
  name: 'Groq',
  baseUrl: 'https://api.groq.com',
  hosts: ['api.groq.com'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: ['x-stainless-*'],
  responseHeaders: ['x-request-id', 'x-groq-*', 'x-ratelimit-*'],
  exposeHeaders: ['x-request-id', ...OPENAI_RATE_LIMIT_HEADERS],
  sdkBasePaths: { 'groq-sdk': '', openai: '/openai/v1', '@ai-sdk/groq': '/openai/v1' },
  keyEnv: ['GROQ_API_KEY'],
  probe: { wire: 'openai-chat', model: 'llama-3.1-8b-instant' },
  routes: [
    'POST /openai/v1/chat/completions',
    'POST /openai/v1/responses',
    'POST /openai/v1/audio/transcriptions',
    'POST /openai/v1/audio/translations',
    'POST /openai/v1/audio/speech',
    'GET /openai/v1/models',
    'GET /openai/v1/models/*',
  ],
  keyFormat: { pattern: /^gsk_[A-Za-z0-9]{16,}$/, example: 'gsk_…' },
  verify: { method: 'GET', path: '/openai/v1/models' },
  models: ['llama-*', 'llama3-*', 'mixtral-*', 'gemma2-*'],
  chatPath: '/openai/v1/chat/completions',
  binary: true,
} as const satisfies ProviderSpec
