import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { PROVIDER_IDS } from '../../src/index.js'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import { allBaseUrls, NO_LIMITS, startUpstream, type UpstreamServer } from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

async function setup(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; token: string }> {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), ...env })
  const token = await registerUser(app)
  for (const id of PROVIDER_IDS) await storeKey(app, token, id, SAMPLE_KEYS[id])
  return { app, token }
}

const post = (
  app: FastifyInstance,
  token: string,
  url: string,
  payload: string | Buffer,
  type = 'application/json',
) => app.inject({ method: 'POST', url, headers: { 'x-relay-token': token, 'content-type': type }, payload })

describe('POST /relay routes by model', () => {
  it('a bare OpenAI model goes to the chat path with the body byte-for-byte', async () => {
    const { app, token } = await setup()
    const body = '{ "model":"gpt-4o-mini",\n "messages" : [{"role":"user","content":"hi"}] }  '
    expect((await post(app, token, '/relay', body)).statusCode).toBe(200)
    expect(up.requests).toHaveLength(1)
    const seen = up.requests[0]!
    expect(`${seen.method} ${seen.url}`).toBe('POST /v1/chat/completions')
    expect(seen.body.toString()).toBe(body)
    expect(seen.headers.authorization).toBe(`Bearer ${SAMPLE_KEYS.openai}`)
  })

  it.each([
    ['anthropic/claude-x', '/v1/messages', 'claude-x', 'x-api-key', SAMPLE_KEYS.anthropic],
    [
      'openrouter/meta-llama/llama-3',
      '/api/v1/chat/completions',
      'meta-llama/llama-3',
      'authorization',
      `Bearer ${SAMPLE_KEYS.openrouter}`,
    ],
    ['claude-3-5-haiku', '/v1/messages', 'claude-3-5-haiku', 'x-api-key', SAMPLE_KEYS.anthropic],
    [
      'gemini-2.5-flash',
      '/v1beta/openai/chat/completions',
      'gemini-2.5-flash',
      'x-goog-api-key',
      SAMPLE_KEYS.google,
    ],
    [
      'groq/llama-3.3-70b',
      '/openai/v1/chat/completions',
      'llama-3.3-70b',
      'authorization',
      `Bearer ${SAMPLE_KEYS.groq}`,
    ],
    [
      'deepseek-chat',
      '/chat/completions',
      'deepseek-chat',
      'authorization',
      `Bearer ${SAMPLE_KEYS.deepseek}`,
    ],
  ])('%s → %s with model %s', async (model, path, forwarded, header, value) => {
    const { app, token } = await setup()
    const messages = [{ role: 'user', content: 'hi' }]
    const res = await post(app, token, '/relay', JSON.stringify({ model, messages, max_tokens: 5 }))
    expect(res.statusCode, res.body).toBe(200)
    expect(up.requests).toHaveLength(1)
    const seen = up.requests[0]!
    expect(`${seen.method} ${seen.url}`).toBe(`POST ${path}`)
    expect(JSON.parse(seen.body.toString())).toEqual({ model: forwarded, messages, max_tokens: 5 })
    expect(seen.headers[header]).toBe(value)
    expect(seen.headers['content-type']).toBe('application/json')
  })

  it.each([
    ['an unknown bare model', '{"model":"totally-unknown-model"}', 400, 'provider_unknown'],
    ['an unknown provider prefix', '{"model":"nope/some-model"}', 400, 'provider_unknown'],
    ['a provider without a chat path', '{"model":"elevenlabs/eleven_v3"}', 400, 'provider_unknown'],
    ['malformed JSON', '{"model": "gpt-4o-mini",', 400, 'validation_error'],
    ['no model', '{"messages":[]}', 400, 'validation_error'],
    ['a non-string model', '{"model":42}', 400, 'validation_error'],
    ['a JSON array', '[{"model":"gpt-4o"}]', 400, 'validation_error'],
    ['a provider prefix and no model', '{"model":"openai/"}', 400, 'validation_error'],
    ['a Gemini prefix and no model', '{"model":"google/","contents":[]}', 400, 'validation_error'],
    ['an empty body', '', 400, 'validation_error'],
  ])('%s → %i %s', async (_label, body, status, code) => {
    const { app, token } = await setup()
    expectErrorShape(await post(app, token, '/relay', body), status, code)
    expect(up.requests).toEqual([])
  })
})

// Issue 17 wire compatibility: byok-relay clients send Gemini-native bodies (`contents`) to POST /relay.
describe('POST /relay with a Gemini body', () => {
  const contents = [{ role: 'user', parts: [{ text: 'hi' }] }]

  it.each([
    ['google/gemini-2.5-flash', false, '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['gemini-2.5-flash', false, '/v1beta/models/gemini-2.5-flash:generateContent'],
    ['google/gemini-2.5-flash', true, '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'],
  ])('%s (stream: %s) → %s, model and stream moved out of the body', async (model, stream, url) => {
    const { app, token } = await setup()
    const body = { model, contents, generationConfig: { maxOutputTokens: 5 }, ...(stream ? { stream } : {}) }
    const res = await post(app, token, '/relay', JSON.stringify(body))
    expect(res.statusCode, res.body).toBe(200)
    const seen = up.requests[0]!
    expect(`${seen.method} ${seen.url}`).toBe(`POST ${url}`)
    expect(JSON.parse(seen.body.toString())).toEqual({ contents, generationConfig: { maxOutputTokens: 5 } })
    expect(seen.headers['x-goog-api-key']).toBe(SAMPLE_KEYS.google)
  })

  it('an OpenAI-format body for a Gemini model goes to the OpenAI-compatible endpoint', async () => {
    const { app, token } = await setup()
    const messages = [{ role: 'user', content: 'hi' }]
    const res = await post(
      app,
      token,
      '/relay',
      JSON.stringify({ model: 'google/gemini-2.5-flash', messages }),
    )
    expect(res.statusCode, res.body).toBe(200)
    const seen = up.requests[0]!
    expect(seen.url).toBe('/v1beta/openai/chat/completions')
    expect(JSON.parse(seen.body.toString())).toEqual({ model: 'gemini-2.5-flash', messages })
  })

  it('ALLOWED_MODELS applies to the model moved into the path', async () => {
    const { app, token } = await setup({ ALLOWED_MODELS: 'gemini-2.0-*' })
    const res = await post(app, token, '/relay', JSON.stringify({ model: 'gemini-2.5-flash', contents }))
    expectErrorShape(res, 403, 'model_forbidden')
    expect(up.requests).toEqual([])
  })
})

describe('ALLOWED_MODELS', () => {
  const env = { ALLOWED_MODELS: 'gpt-4o*,anthropic/claude-3-5-*' }

  it.each([
    ['/relay/openai/v1/chat/completions', '{"model":"gpt-4o-mini"}'],
    ['/relay/openai/v1/chat/completions', '{"model":"gpt-4o"}'],
    ['/relay/anthropic/v1/messages', '{"model":"claude-3-5-sonnet-latest"}'],
    ['/relay', '{"model":"gpt-4o-2024-08-06"}'],
    ['/relay', '{"model":"anthropic/claude-3-5-haiku"}'],
  ])('lets %s %s through', async (url, body) => {
    const { app, token } = await setup(env)
    const res = await post(app, token, url, body)
    expect(res.statusCode, res.body).toBe(200)
    expect(up.requests).toHaveLength(1)
  })

  it.each([
    ['/relay/openai/v1/chat/completions', '{"model":"gpt-3.5-turbo"}'],
    ['/relay/openai/v1/chat/completions', '{"model":"o1-pro"}'],
    ['/relay/openai/v1/chat/completions', '{"messages":[]}'],
    ['/relay/anthropic/v1/messages', '{"model":"claude-3-opus"}'],
    ['/relay/google/v1beta/models/gemini-2.5-flash:generateContent', '{"contents":[]}'],
    ['/relay/google/v1beta/models/gemini-2.5-pro:streamGenerateContent', '{"model":"gpt-4o"}'],
    ['/relay', '{"model":"anthropic/claude-3-opus"}'],
    ['/relay', '{"model":"o3-mini"}'],
  ])('refuses %s %s with 403 model_forbidden', async (url, body) => {
    const { app, token } = await setup(env)
    expectErrorShape(await post(app, token, url, body), 403, 'model_forbidden')
    expect(up.requests).toEqual([])
  })

  it('checks the model in a Gemini path, which wins over the body', async () => {
    const { app, token } = await setup({ ALLOWED_MODELS: 'gemini-2.5-*' })
    const ok = await post(app, token, '/relay/google/v1beta/models/gemini-2.5-flash:generateContent', '{}')
    expect(ok.statusCode).toBe(200)
    const path = '/relay/google/v1/models/gemini-1.5-pro:generateContent'
    expectErrorShape(await post(app, token, path, '{"model":"gemini-2.5-flash"}'), 403, 'model_forbidden')
    expect(up.requests.map((r) => r.url)).toEqual(['/v1beta/models/gemini-2.5-flash:generateContent'])
  })

  it('reads the model of a multipart upload', async () => {
    const { app, token } = await setup({ ALLOWED_MODELS: 'whisper-1' })
    const form = (model: string) =>
      `--b\r\nContent-Disposition: form-data; name="model"\r\n\r\n${model}\r\n--b\r\n` +
      'Content-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF\r\n--b--\r\n'
    const url = '/relay/openai/v1/audio/transcriptions'
    const type = 'multipart/form-data; boundary=b'
    expect((await post(app, token, url, form('whisper-1'), type)).statusCode).toBe(200)
    expectErrorShape(await post(app, token, url, form('gpt-4o-transcribe'), type), 403, 'model_forbidden')
    // Two model fields: which one the provider reads is its parser's choice, so the relay refuses both orders.
    const twice = (a: string, b: string) =>
      `--b\r\nContent-Disposition: form-data; name="model"\r\n\r\n${a}\r\n${form(b)}`
    for (const body of [twice('whisper-1', 'gpt-4o-transcribe'), twice('gpt-4o-transcribe', 'whisper-1')])
      expectErrorShape(await post(app, token, url, body, type), 403, 'model_forbidden')
    // A model part written differently (extra part header, other case) is a model field too.
    const sneaky = `--b\r\ncontent-disposition: form-data; NAME="model"\r\ncontent-type: text/plain\r\n\r\ngpt-4o-transcribe\r\n`
    expectErrorShape(await post(app, token, url, sneaky + form('whisper-1'), type), 403, 'model_forbidden')
    expect(up.requests).toHaveLength(1)
  })

  it('refuses an ElevenLabs body whose model and model_id disagree', async () => {
    const { app, token } = await setup({ ALLOWED_MODELS: 'eleven_flash_v2_5' })
    const url = '/relay/elevenlabs/v1/text-to-speech/voice123'
    expect((await post(app, token, url, '{"text":"hi","model_id":"eleven_flash_v2_5"}')).statusCode).toBe(200)
    const mixed = '{"text":"hi","model":"eleven_flash_v2_5","model_id":"eleven_v3"}'
    expectErrorShape(await post(app, token, url, mixed), 403, 'model_forbidden')
    expect(up.requests).toHaveLength(1)
  })

  it('refuses before any quota is spent', async () => {
    const { app, token } = await setup({ ...env, RATE_LIMIT_RELAY_PER_MIN: '1' })
    for (const model of ['gpt-3.5-turbo', 'o1', 'claude-3-opus', 'openrouter/x', 'gpt-4']) {
      expectErrorShape(await post(app, token, '/relay', JSON.stringify({ model })), 403, 'model_forbidden')
    }
    expect((await post(app, token, '/relay', '{"model":"gpt-4o-mini"}')).statusCode).toBe(200)
    expectErrorShape(await post(app, token, '/relay', '{"model":"gpt-4o-mini"}'), 429, 'rate_limited')
    expect(up.requests).toHaveLength(1)
  })
})
