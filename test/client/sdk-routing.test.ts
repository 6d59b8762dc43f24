import { GoogleGenAI } from '@google/genai'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type ByokClient, createByok, type KeyPromptReason } from '../../templates/client/src/index.js'
import {
  type ClientRelay,
  chatBody,
  createMemoryStorage,
  startClientRelay,
  USER_GEMINI_KEY,
  USER_KEY,
} from './harness.js'

// The shapes `byok integrate` writes for SDKs without a fetch option (Google's), for runtime-chosen URLs and for
// axios-based clients, exercised against a real relay whose upstreams accept only the user's own keys.

let relay: ClientRelay
let prompts: { provider: string; reason: KeyPromptReason }[]
let answers: (string | null)[]
let savedFetch: typeof fetch

function client(extra: Partial<Parameters<typeof createByok>[0]> = {}): ByokClient {
  return createByok({
    relayUrl: relay.url,
    appId: 'routing-test',
    storage: createMemoryStorage(),
    promptForKey: async (provider, reason) => {
      prompts.push({ provider, reason })
      return answers.shift() ?? null
    },
    ...extra,
  })
}

beforeEach(async () => {
  relay = await startClientRelay()
  prompts = []
  answers = []
  savedFetch = globalThis.fetch
  // The page's fetch: the recording network fetch, so every request that leaves is visible.
  globalThis.fetch = relay.fetch
})
afterEach(async () => {
  globalThis.fetch = savedFetch
  await relay.close()
})

describe('routeGlobalFetch', () => {
  test('a rewritten GoogleGenAI client reaches the relay with the relay token, through the key prompt', async () => {
    answers = [USER_GEMINI_KEY]
    const byok = client()
    const ai = new GoogleGenAI({
      apiKey: 'byok-relay',
      httpOptions: { baseUrl: byok.routeGlobalFetch().baseUrl('google') },
    })
    const result = await ai.models.generateContent({ model: 'gemini-2.0-flash', contents: 'hi' })
    expect(result.text).toContain('Hello')
    expect(prompts.map((p) => [p.provider, p.reason.code])).toEqual([['google', 'key_missing']])
    const calls = relay.sent.filter((r) => r.url.includes('/relay/google/'))
    expect(calls).toHaveLength(2) // key_missing, then the retry after the key was stored
    for (const call of calls) {
      expect(call.headers['x-relay-token']).toBe(await byok.token())
      expect(call.headers['x-goog-api-key']).toBeUndefined()
    }
    expect(relay.gemini.exchanges.map((e) => e.request.headers['x-goog-api-key'])).toEqual([USER_GEMINI_KEY])
  })

  test('other URLs, and calls that already carry a token, pass through untouched; a second call adds nothing', async () => {
    const byok = client()
    byok.routeGlobalFetch()
    const installed = globalThis.fetch
    expect(byok.routeGlobalFetch()).toBe(byok)
    expect(globalThis.fetch).toBe(installed)
    const health = await fetch(`${relay.url}/health`, { headers: { authorization: 'Bearer app-session' } })
    expect(health.status).toBe(200)
    expect(relay.sent.at(-1)!.headers).toMatchObject({ authorization: 'Bearer app-session' })
    expect(relay.sent.at(-1)!.headers['x-relay-token']).toBeUndefined()
    const direct = await fetch(`${relay.url}/relay/openai/v1/models`, {
      headers: { 'x-relay-token': 'given' },
    })
    expect(direct.status).toBe(401)
    expect(relay.sent.filter((r) => r.url.endsWith('/users'))).toHaveLength(0)
  })
})

describe('relayUrlIfProvider', () => {
  test.each([
    ['https://api.openai.com/v1/chat/completions', '/relay/openai/v1/chat/completions'],
    [
      'https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=AIzaX',
      '/relay/google/v1beta/models/m:generateContent',
    ],
    ['http://localhost:11434/v1/chat/completions', 'http://localhost:11434/v1/chat/completions'],
    [
      'https://api.openai.com.evil.com/v1/chat/completions',
      'https://api.openai.com.evil.com/v1/chat/completions',
    ],
    ['/api/chat', '/api/chat'],
  ])('%s', (url, expected) => {
    const mapped = client().relayUrlIfProvider(url)
    expect(mapped).toBe(expected.startsWith('/relay/') ? `${relay.url}${expected}` : expected)
  })
})

describe('credentials bound for the relay', () => {
  test('byok.fetch drops provider credentials a runtime-URL call still carries and sends the relay token', async () => {
    answers = [USER_KEY]
    const byok = client()
    const response = await byok.fetch(byok.relayUrlIfProvider('https://api.openai.com/v1/chat/completions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', Authorization: 'Bearer sk-proj-OldKeyFromSettings000' },
      body: chatBody(),
    })
    expect(response.status).toBe(200)
    const relayed = relay.sent.filter((r) => r.url.includes('/relay/openai/'))
    expect(relayed.length).toBeGreaterThan(0)
    for (const call of relayed) expect(call.headers.authorization).toBeUndefined()
    expect(JSON.stringify(relay.sent)).not.toContain('OldKeyFromSettings')
  })
})

describe('axiosAdapter', () => {
  // What openai v3 (axios 0.26) hands an adapter after its own request transforms: absolute url, flat headers,
  // a JSON string body, and the default validateStatus.
  const v3Config = (byok: ByokClient) => ({
    url: `${byok.baseUrl('openai')}/v1/chat/completions`,
    method: 'post',
    headers: {
      'Content-Type': 'application/json',
      Authorization: 'Bearer byok-relay',
      'User-Agent': 'OpenAI/NodeJS/3.3.0',
    },
    data: chatBody(),
    validateStatus: (status: number) => status >= 200 && status < 300,
  })

  test('an openai v3 request goes through the relay, with the key prompt and retry', async () => {
    answers = [USER_KEY]
    const byok = client()
    const response = await byok.axiosAdapter(v3Config(byok))
    expect(response.status).toBe(200)
    expect(JSON.parse(response.data as string).choices[0].message.content).toContain('Hello')
    expect(prompts.map((p) => p.provider)).toEqual(['openai'])
    expect(relay.mock.exchanges.map((e) => e.request.headers.authorization)).toEqual([`Bearer ${USER_KEY}`])
  })

  test('a status validateStatus refuses rejects like axios, with the response attached', async () => {
    const byok = client()
    const failure = await byok.axiosAdapter(v3Config(byok)).catch((error: unknown) => error)
    expect(failure).toMatchObject({ isAxiosError: true, response: { status: 400 } })
    expect(JSON.parse((failure as { response: { data: string } }).response.data)).toMatchObject({
      code: 'key_missing',
    })
  })

  test('axios 1.x: baseURL + relative url + params, AxiosHeaders-like headers', async () => {
    answers = [USER_KEY]
    const byok = client()
    const response = await byok.axiosAdapter({
      baseURL: `${byok.baseUrl('openai')}/v1`,
      url: '/chat/completions',
      method: 'post',
      params: { trace: 1 },
      headers: { toJSON: () => ({ 'Content-Type': 'application/json' }) },
      data: chatBody(),
    })
    expect(response.status).toBe(200)
    expect(relay.sent.at(-1)!.url).toBe(`${relay.url}/relay/openai/v1/chat/completions?trace=1`)
  })
})
