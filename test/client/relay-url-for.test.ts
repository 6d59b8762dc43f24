import { describe, expect, test } from 'vitest'
import { createByok, PROVIDER_HOSTS } from '../../templates/client/src/index.js'
import { createMemoryStorage } from './harness.js'

const RELAY = 'https://relay.example.com'
const byok = createByok({
  relayUrl: RELAY,
  appId: 'table',
  storage: createMemoryStorage(),
  fetch: () => Promise.reject(new Error('no network')),
})

describe('relayUrlFor', () => {
  test.each([
    ['https://api.openai.com/v1/chat/completions', `${RELAY}/relay/openai/v1/chat/completions`],
    ['https://API.OpenAI.com:443/v1/responses', `${RELAY}/relay/openai/v1/responses`],
    ['https://api.anthropic.com/v1/messages', `${RELAY}/relay/anthropic/v1/messages`],
    [
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent?key=AIzaSecret',
      `${RELAY}/relay/google/v1beta/models/gemini-2.0-flash:generateContent`,
    ],
    [
      'https://generativelanguage.googleapis.com/v1beta/models/x:streamGenerateContent?alt=sse&key=AIzaSecret',
      `${RELAY}/relay/google/v1beta/models/x:streamGenerateContent?alt=sse`,
    ],
    ['https://api.groq.com/openai/v1/chat/completions', `${RELAY}/relay/groq/openai/v1/chat/completions`],
    ['https://openrouter.ai/api/v1/chat/completions', `${RELAY}/relay/openrouter/api/v1/chat/completions`],
    ['https://api.elevenlabs.io/v1/text-to-speech/abc', `${RELAY}/relay/elevenlabs/v1/text-to-speech/abc`],
  ])('%s → %s', (direct, relayed) => {
    expect(byok.relayUrlFor(direct)).toBe(relayed)
  })

  test.each([
    'https://api.openai.com.evil.com/v1/chat/completions',
    'https://evil.com/api.openai.com/v1/chat/completions',
    'https://api.openai.com@evil.com/v1/chat/completions',
    'https://user:pass@api.openai.com/v1/chat/completions',
    'http://api.openai.com/v1/chat/completions',
    'https://api.openai.com:8443/v1/chat/completions',
    'http://localhost:11434/v1/chat/completions',
    'https://storage.googleapis.com/bucket/object',
    'https://aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/m:predict',
    'https://googleapis.com/v1beta/models',
    'https://xapi.openai.com/v1/chat/completions',
    '/v1/chat/completions',
  ])('%s throws', (url) => {
    expect(() => byok.relayUrlFor(url)).toThrow()
  })

  test('the host table is data: every host is a bare lowercase hostname mapped to a provider id', () => {
    for (const [host, id] of Object.entries(PROVIDER_HOSTS)) {
      expect(new URL(`https://${host}`).host).toBe(host)
      expect(id).toMatch(/^[a-z][a-z0-9-]*$/)
    }
  })
})
