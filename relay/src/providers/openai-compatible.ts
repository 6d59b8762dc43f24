import type { ProviderSpec } from './types.js'

// Any OpenAI-compatible server (vLLM, LM Studio, Ollama's /v1, a company gateway). The user's base URL is
// bound to their key (SPEC §3.6); paths are relative to it, with or without a /v1 prefix.
export const openaiCompatible = {
  id: 'openai-compatible',
  name: 'OpenAI-compatible endpoint',
  baseUrl: '',
  hosts: [],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: {},
  keyEnv: [],
  probe: { wire: 'openai-chat' },
  routes: [
    'POST /chat/completions',
    'POST /v1/chat/completions',
    'POST /completions',
    'POST /v1/completions',
    'POST /responses',
    'POST /v1/responses',
    'POST /embeddings',
    'POST /v1/embeddings',
    'GET /models',
    'GET /v1/models',
  ],
  // Local servers accept anything, so only control characters and whitespace are refused.
  keyFormat: { pattern: /^\S{1,4096}$/, example: 'any non-empty string' },
  verify: { method: 'GET', path: '/models' },
  models: [],
  chatPath: '/chat/completions',
  binary: false,
  customBaseUrl: true,
} as const satisfies ProviderSpec
