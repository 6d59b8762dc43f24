import type { FastifyInstance, InjectOptions } from 'fastify'
import { describe, expect, it } from 'vitest'
import { findProvider, PROVIDER_IDS } from '../../src/index.js'
import { buildTestApp, createClock, expectErrorShape, registerUser, SAMPLE_KEYS } from '../helpers.js'

type KeyListing = {
  providers: string[]
  keys: { provider: string; hint: string; created_at: string; updated_at: string; base_url?: string }[]
}

async function setup(env: Record<string, string> = {}, now?: () => number) {
  const app = await buildTestApp(env, now ? { now } : {})
  const token = await registerUser(app)
  const headers = { 'x-relay-token': token }
  const post = (provider: string, payload: object, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/keys/${provider}`, headers: { ...headers, ...extra }, payload })
  const list = async () => {
    const res = await app.inject({ method: 'GET', url: '/keys', headers })
    expect(res.statusCode).toBe(200)
    return { res, body: res.json<KeyListing>() }
  }
  return { app, token, headers, post, list }
}

describe('POST /keys/:provider', () => {
  it('has a sample key for every provider that matches its keyFormat', () => {
    expect(Object.keys(SAMPLE_KEYS).sort()).toEqual([...PROVIDER_IDS].sort())
    for (const id of PROVIDER_IDS)
      expect(findProvider(id)?.keyFormat.pattern.test(SAMPLE_KEYS[id])).toBe(true)
  })

  it.each(PROVIDER_IDS)('stores a well-formed %s key', async (provider) => {
    const { post, list } = await setup()
    const res = await post(provider, { key: SAMPLE_KEYS[provider] })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ ok: true, provider })
    expect((await list()).body.providers).toEqual([provider])
  })

  it.each([
    ['openai', 'sk-short'],
    ['openai', SAMPLE_KEYS.google],
    ['anthropic', SAMPLE_KEYS.openai],
    ['google', 'AIza-too-short'],
    ['groq', SAMPLE_KEYS.openai],
    ['openai-compatible', 'has a space'],
  ])('refuses a malformed %s key (%s) with 400 key_invalid', async (provider, key) => {
    const { post, list } = await setup()
    const body = expectErrorShape(await post(provider, { key }), 400, 'key_invalid')
    expect(JSON.stringify(body)).not.toContain(key)
    expect((await list()).body.keys).toEqual([])
  })

  it.each([
    ['missing key', {}],
    ['empty key', { key: '' }],
    ['numeric key', { key: 1234567890123456 }],
    ['numeric base_url', { key: SAMPLE_KEYS['openai-compatible'], base_url: 443 }],
  ])('%s → 400 validation_error', async (_label, payload) => {
    const { post } = await setup()
    expectErrorShape(await post('openai-compatible', payload), 400, 'validation_error')
  })

  it('refuses an unknown provider with 400 provider_unknown', async () => {
    const { post } = await setup()
    expectErrorShape(await post('not-a-provider', { key: SAMPLE_KEYS.openai }), 400, 'provider_unknown')
  })

  it('trims whitespace around a pasted key', async () => {
    const { post, list } = await setup()
    expect((await post('openai', { key: `  ${SAMPLE_KEYS.openai}\n` })).statusCode).toBe(200)
    expect((await list()).body.keys[0]?.hint).toBe(`…${SAMPLE_KEYS.openai.slice(-4)}`)
  })

  it('replacing a key keeps created_at and moves updated_at', async () => {
    const clock = createClock()
    const { post, list } = await setup({}, clock.now)
    await post('openai', { key: SAMPLE_KEYS.openai })
    const first = (await list()).body.keys[0]!
    clock.advance(60_000)
    await post('openai', { key: 'sk-proj-Replacement000000000WXYZ' })
    const second = (await list()).body.keys[0]!
    expect(second.created_at).toBe(first.created_at)
    expect(second.updated_at).toBe(new Date(clock.now()).toISOString())
    expect(second.updated_at).not.toBe(first.updated_at)
    expect(second.hint).toBe('…WXYZ')
  })
})

describe('base_url', () => {
  const compatible = SAMPLE_KEYS['openai-compatible']

  it('is refused for a provider with a fixed endpoint', async () => {
    const { post } = await setup()
    const res = await post('openai', { key: SAMPLE_KEYS.openai, base_url: 'https://api.openai.com' })
    expectErrorShape(res, 400, 'base_url_rejected')
  })

  it('is stored for openai-compatible (https) and returned by GET /keys', async () => {
    const { post, list } = await setup()
    expect(
      (await post('openai-compatible', { key: compatible, base_url: 'https://llm.example.com/v1/' }))
        .statusCode,
    ).toBe(200)
    expect((await list()).body.keys).toEqual([
      expect.objectContaining({ provider: 'openai-compatible', base_url: 'https://llm.example.com/v1' }),
    ])
  })

  it('is also read from the x-relay-base-url header', async () => {
    const { post, list } = await setup()
    const res = await post(
      'openai-compatible',
      { key: compatible },
      { 'x-relay-base-url': 'https://gw.example.com' },
    )
    expect(res.statusCode).toBe(200)
    expect((await list()).body.keys[0]?.base_url).toBe('https://gw.example.com')
  })

  it.each([
    ['http', 'http://192.168.1.20:11434/v1'],
    ['credentials', 'https://user:pw@llm.example.com'],
    ['a query string', 'https://llm.example.com/v1?key=abc'],
    ['not a URL', 'llm.example.com'],
    ['another scheme', 'file:///etc/passwd'],
  ])('refuses %s with 400 base_url_rejected', async (_label, base_url) => {
    const { post, list } = await setup()
    const body = expectErrorShape(
      await post('openai-compatible', { key: compatible, base_url }),
      400,
      'base_url_rejected',
    )
    expect(body.error).not.toContain('pw@')
    expect((await list()).body.keys).toEqual([])
  })

  it('accepts http only for an origin in TRUSTED_UPSTREAMS, and still refuses credentials there', async () => {
    const { post, list } = await setup({ TRUSTED_UPSTREAMS: 'http://192.168.1.20:11434' })
    expect(
      (await post('openai-compatible', { key: compatible, base_url: 'http://192.168.1.20:11434/v1' }))
        .statusCode,
    ).toBe(200)
    expect((await list()).body.keys[0]?.base_url).toBe('http://192.168.1.20:11434/v1')
    const other = await post('openai-compatible', {
      key: compatible,
      base_url: 'http://192.168.1.21:11434/v1',
    })
    expectErrorShape(other, 400, 'base_url_rejected')
    const creds = await post('openai-compatible', {
      key: compatible,
      base_url: 'http://u:p@192.168.1.20:11434/v1',
    })
    expectErrorShape(creds, 400, 'base_url_rejected')
  })
})

describe('GET /keys and DELETE /keys/:provider', () => {
  it('lists providers and hints, never the key', async () => {
    const { post, list } = await setup()
    const stored = ['openai', 'anthropic', 'deepgram'] as const
    for (const provider of stored) await post(provider, { key: SAMPLE_KEYS[provider] })
    const { res, body } = await list()
    expect(body.providers).toEqual(['anthropic', 'deepgram', 'openai'])
    for (const entry of body.keys) {
      const key = SAMPLE_KEYS[entry.provider as (typeof stored)[number]]
      expect(entry.hint).toBe(`…${key.slice(-4)}`)
      expect(entry.hint.replace('…', '').length).toBeLessThanOrEqual(4)
      expect(Date.parse(entry.created_at)).not.toBeNaN()
    }
    const wire = res.body + JSON.stringify(res.headers)
    for (const provider of stored) {
      expect(wire).not.toContain(SAMPLE_KEYS[provider])
      expect(wire).not.toContain(SAMPLE_KEYS[provider].slice(0, -4))
    }
  })

  it('shows no characters of a short key', async () => {
    const { post, list } = await setup()
    await post('openai-compatible', { key: 'ollama' })
    expect((await list()).body.keys[0]?.hint).toBe('…')
  })

  it('keeps users apart', async () => {
    const { app, post } = await setup()
    await post('openai', { key: SAMPLE_KEYS.openai })
    const other = await registerUser(app)
    const res = await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': other } })
    expect(res.json()).toEqual({ providers: [], keys: [] })
  })

  it('DELETE removes only that provider', async () => {
    const { app, headers, post, list } = await setup()
    await post('openai', { key: SAMPLE_KEYS.openai })
    await post('groq', { key: SAMPLE_KEYS.groq })
    const res = await app.inject({ method: 'DELETE', url: '/keys/openai', headers })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true })
    expect((await list()).body.providers).toEqual(['groq'])
    expectErrorShape(
      await app.inject({ method: 'DELETE', url: '/keys/nope', headers }),
      400,
      'provider_unknown',
    )
  })
})

describe('authentication on key routes', () => {
  const routes: [string, InjectOptions][] = [
    ['GET /keys', { method: 'GET', url: '/keys' }],
    ['POST /keys/openai', { method: 'POST', url: '/keys/openai', payload: { key: SAMPLE_KEYS.openai } }],
    ['POST /keys/openai (no body)', { method: 'POST', url: '/keys/openai' }],
    ['POST /keys/openai (bad body)', { method: 'POST', url: '/keys/openai', payload: { key: 1 } }],
    ['DELETE /keys/openai', { method: 'DELETE', url: '/keys/openai' }],
    ['DELETE /keys/<long id>', { method: 'DELETE', url: `/keys/${'x'.repeat(100)}` }],
    ['DELETE /users', { method: 'DELETE', url: '/users' }],
    ['POST /tokens/revoke', { method: 'POST', url: '/tokens/revoke' }],
  ]

  it.each(routes)('%s without a token → 401 token_missing', async (_label, request) => {
    const app: FastifyInstance = await buildTestApp()
    expectErrorShape(await app.inject(request), 401, 'token_missing')
  })
})
