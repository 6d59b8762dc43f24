import type { ProviderSpec } from './types.js'

// https://docs.perplexity.ai/api-reference — there is no free authenticated endpoint, so verification
// is the smallest possible completion.
export const perplexity = {
  id: 'perplexity',
  name: 'Perplexity',
  baseUrl: 'https://api.perplexity.ai',
  hosts: ['api.perplexity.ai'],
  auth: { header: 'authorization', prefix: 'Bearer ' },
  requestHeaders: [],
  responseHeaders: [],
  exposeHeaders: [],
  sdkBasePaths: {},
  keyEnv: ['PERPLEXITY_API_KEY'],
  probe: { wire: 'openai-chat', model: 'sonar' },
  routes: ['POST /chat/completions', 'POST /v1/chat/completions', 'POST /async/chat/completions'],
  keyFormat: { pattern: /^pplx-[A-Za-z0-9]{16,}$/, example: 'pplx-…' },
  verify: {
    method: 'POST',
    path: '/chat/completions',
    body: { model: 'sonar', max_tokens: 1, messages: [{ role: 'user', content: 'ping' }] },
  },
  models: ['sonar', 'sonar-*'],
  chatPath: '/chat/completions',
  binary: false,
} as const satisfies ProviderSpec
