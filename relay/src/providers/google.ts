import type { ProviderSpec } from './types.js'

// https://ai.google.dev/api — the key goes in x-goog-api-key, never in the query string (SPEC §3.5).
export const google = {
  id: 'google',
  name: 'Google Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  hosts: ['generativelanguage.googleapis.com'],
  auth: { header: 'x-goog-api-key' },
  requestHeaders: ['x-goog-api-client'],
  responseHeaders: ['x-goog-*'],
  exposeHeaders: [],
  sdkBasePaths: { '@google/genai': '', '@google/generative-ai': '', '@ai-sdk/google': '/v1beta' },
  keyEnv: ['GEMINI_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
  probe: { wire: 'gemini-generate', model: 'gemini-2.0-flash' },
  routes: [
    'POST /v1beta/models/*:generateContent',
    'POST /v1beta/models/*:streamGenerateContent',
    'POST /v1beta/models/*:countTokens',
    'POST /v1beta/models/*:embedContent',
    'POST /v1beta/models/*:batchEmbedContents',
    'POST /v1/models/*:generateContent',
    'POST /v1/models/*:streamGenerateContent',
    'POST /v1/models/*:countTokens',
    'POST /v1/models/*:embedContent',
    'POST /v1beta/openai/chat/completions',
    'POST /v1beta/openai/embeddings',
    'GET /v1beta/models',
    'GET /v1beta/models/*',
    'GET /v1/models',
    'GET /v1/models/*',
  ],
  keyFormat: { pattern: /^AIza[0-9A-Za-z_-]{35}$/, example: 'AIza…' },
  verify: { method: 'GET', path: '/v1beta/models' },
  models: ['gemini-*', 'gemma-*'],
  chatPath: '/v1beta/openai/chat/completions',
  // https://ai.google.dev/api/generate-content — byok-relay clients send Gemini-native `contents` to POST /relay.
  nativeChat: {
    bodyField: 'contents',
    path: '/v1beta/models/{model}:generateContent',
    streamPath: '/v1beta/models/{model}:streamGenerateContent?alt=sse',
  },
  binary: false,
} as const satisfies ProviderSpec
