import type { ProviderSpec } from './types.js'

// https://elevenlabs.io/docs/api-reference — audio out, so responses are binary.
export const elevenlabs = {
  id: 'elevenlabs',
  name: 'ElevenLabs',
  baseUrl: 'https://api.elevenlabs.io',
  hosts: ['api.elevenlabs.io'],
  auth: { header: 'xi-api-key' },
  requestHeaders: [],
  responseHeaders: ['history-item-id*', 'character-cost*'],
  exposeHeaders: [],
  sdkBasePaths: {},
  keyEnv: ['ELEVENLABS_API_KEY'],
  routes: [
    'POST /v1/text-to-speech/*',
    'POST /v1/text-to-speech/*/stream',
    'POST /v1/text-to-speech/*/with-timestamps',
    'POST /v1/text-to-speech/*/stream/with-timestamps',
    'POST /v1/speech-to-speech/*',
    'POST /v1/speech-to-speech/*/stream',
    'POST /v1/speech-to-text',
    'POST /v1/sound-generation',
    'GET /v1/voices',
    'GET /v1/models',
  ],
  keyFormat: { pattern: /^[A-Za-z0-9_]{24,}$/, example: 'sk_…' },
  verify: { method: 'GET', path: '/v1/models' },
  models: [],
  binary: true,
} as const satisfies ProviderSpec
