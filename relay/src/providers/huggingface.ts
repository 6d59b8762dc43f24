import type { ProviderSpec } from './types.js'

// https://huggingface.co/docs/inference-providers — the OpenAI-compatible router.
export const huggingface = {
  id: 'huggingface',
  name: 'Hugging Face',
  baseUrl: 'https://router.huggingface.co',
  hosts: ['router.huggingface.co'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: {},
  keyEnv: ['HUGGINGFACE_API_KEY', 'HF_TOKEN'],
  probe: { wire: 'openai-chat' },
  routes: [
    'POST /v1/chat/completions',
    'POST /v1/completions',
    'POST /v1/embeddings',
    'GET /v1/models',
    'POST /hf-inference/models/*',
    'POST /hf-inference/models/*/*',
  ],
  keyFormat: { pattern: /^hf_[A-Za-z0-9]{16,}$/, example: 'hf_…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: [],
  chatPath: '/v1/chat/completions',
  binary: true,
} as const satisfies ProviderSpec
