import type { ProviderSpec } from './types.js'

// https://developers.deepgram.com/reference — note the "Token" auth scheme.
export const deepgram = {
  id: 'deepgram',
  name: 'Deepgram',
  baseUrl: 'https://api.deepgram.com',
  hosts: ['api.deepgram.com'],
  auth: { header: 'authorization', prefix: 'Token ' },
  requestHeaders: [],
  responseHeaders: ['dg-*'],
  exposeHeaders: [],
  sdkBasePaths: {},
  keyEnv: ['DEEPGRAM_API_KEY'],
  routes: ['POST /v1/listen', 'POST /v1/speak', 'POST /v1/read', 'GET /v1/models'],
  keyFormat: { pattern: /^[A-Za-z0-9]{32,}$/, example: '40 hex characters' },
  verify: { method: 'GET', path: '/v1/projects' },
  models: [],
  binary: true,
} as const satisfies ProviderSpec
