import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import { allBaseUrls, NO_LIMITS, rawRequest, startUpstream, type UpstreamServer } from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

async function setup(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; token: string }> {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), ...env })
  const token = await registerUser(app)
  for (const id of ['openai', 'anthropic', 'google'] as const) await storeKey(app, token, id, SAMPLE_KEYS[id])
  return { app, token }
}

const chat = (headers: Record<string, string>, payload = '{"model":"gpt-4o-mini"}'): InjectOptions => ({
  method: 'POST',
  url: '/relay/openai/v1/chat/completions',
  headers: { 'content-type': 'application/json', ...headers },
  payload,
})

describe('relay token', () => {
  const calls: [string, (headers: Record<string, string>) => InjectOptions][] = [
    ['POST /relay/openai/*', (headers) => chat(headers)],
    [
      'GET /relay/openai/v1/models',
      (headers) => ({ method: 'GET', url: '/relay/openai/v1/models', headers }),
    ],
    [
      'POST /relay/openai/v1/files (forbidden path)',
      (headers) => ({ method: 'POST', url: '/relay/openai/v1/files', headers }),
    ],
    ['POST /relay', (headers) => ({ ...chat(headers), url: '/relay' })],
  ]
  const missing: [string, Record<string, string>, string][] = [
    ['no token', {}, 'token_missing'],
    ['an empty x-relay-token', { 'x-relay-token': '' }, 'token_missing'],
    ['Authorization: Basic', { authorization: 'Basic dXNlcjpwYXNz' }, 'token_missing'],
    [
      'an unknown token',
      { 'x-relay-token': 'byok_rt_notarealtoken0000000000000000000000000' },
      'token_invalid',
    ],
    ['a provider key as token', { authorization: `Bearer ${SAMPLE_KEYS.openai}` }, 'token_invalid'],
  ]
  const table = calls.flatMap(([label, build]) =>
    missing.map(([what, headers, code]) => [label, what, build(headers), code] as const),
  )

  it.each(table)('%s with %s → 401 %s', async (_label, _what, request, code) => {
    const { app } = await setup()
    expectErrorShape(await app.inject(request), 401, code)
    expect(up.requests).toEqual([])
  })

  // SPEC §3.2: official SDKs only let you change baseURL and apiKey, so the token rides in their key header.
  const placements: [string, (token: string) => Record<string, string>][] = [
    ['x-relay-token', (token) => ({ 'x-relay-token': token })],
    ['Authorization: Bearer', (token) => ({ authorization: `Bearer ${token}` })],
    ['x-api-key', (token) => ({ 'x-api-key': token })],
    ['x-goog-api-key', (token) => ({ 'x-goog-api-key': token })],
  ]
  const targets = [
    ['openai', '/v1/chat/completions', 'authorization', `Bearer ${SAMPLE_KEYS.openai}`],
    ['anthropic', '/v1/messages', 'x-api-key', SAMPLE_KEYS.anthropic],
    ['google', '/v1beta/models/gemini-2.5-flash:generateContent', 'x-goog-api-key', SAMPLE_KEYS.google],
  ] as const
  const accepted = placements.flatMap(([label, place]) => targets.map((t) => [label, ...t, place] as const))

  it.each(accepted)('accepts the token in %s for %s', async (_label, id, path, header, value, place) => {
    const { app, token } = await setup()
    const res = await app.inject({
      method: 'POST',
      url: `/relay/${id}${path}`,
      headers: { 'content-type': 'application/json', ...place(token) },
      payload: '{}',
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(up.requests).toHaveLength(1)
    const seen = up.requests[0]!
    expect(seen.headers[header]).toBe(value)
    expect(JSON.stringify(seen.headers) + seen.url).not.toContain(token)
  })
})

describe('request errors', () => {
  it('400 provider_unknown for a provider outside the registry', async () => {
    const { app, token } = await setup()
    const res = await app.inject({
      ...chat({ 'x-relay-token': token }),
      url: '/relay/not-a-provider/v1/chat/completions',
    })
    expectErrorShape(res, 400, 'provider_unknown')
    expect(up.requests).toEqual([])
  })

  it.each([
    ['groq', '/openai/v1/chat/completions'],
    ['openai-compatible', '/v1/chat/completions'],
  ])('400 key_missing when no %s key is stored', async (id, path) => {
    const { app, token } = await setup()
    const res = await app.inject({ ...chat({ 'x-relay-token': token }), url: `/relay/${id}${path}` })
    expectErrorShape(res, 400, 'key_missing')
    expect(up.requests).toEqual([])
  })

  it('413 body_too_large over REQUEST_BODY_LIMIT_BYTES; a body under it passes intact', async () => {
    const { app, token } = await setup({ REQUEST_BODY_LIMIT_BYTES: '2048' })
    const big = JSON.stringify({ model: 'gpt-4o-mini', input: 'x'.repeat(3000) })
    expectErrorShape(await app.inject(chat({ 'x-relay-token': token }, big)), 413, 'body_too_large')
    expect(up.requests).toEqual([])
    const small = JSON.stringify({ model: 'gpt-4o-mini', input: 'y'.repeat(1900) })
    expect((await app.inject(chat({ 'x-relay-token': token }, small))).statusCode).toBe(200)
    expect(up.requests.map((r) => r.body.toString())).toEqual([small])
  })

  it('413 for a chunked body with no Content-Length, over a real socket', async () => {
    const { app, token } = await setup({ REQUEST_BODY_LIMIT_BYTES: '2048' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const res = await rawRequest(
      app,
      'POST',
      '/relay/openai/v1/chat/completions',
      { 'x-relay-token': token, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      Buffer.alloc(5000, 0x20),
    )
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'body_too_large' })
    expect(up.requests).toEqual([])
  })
})

describe('rate limits', () => {
  it('429 rate_limited with RateLimit headers after RATE_LIMIT_RELAY_PER_MIN calls', async () => {
    const { app, token } = await setup({ RATE_LIMIT_RELAY_PER_MIN: '3' })
    const remaining: (string | undefined)[] = []
    for (let i = 0; i < 3; i++) {
      const res = await app.inject(chat({ 'x-relay-token': token }))
      expect(res.statusCode).toBe(200)
      remaining.push(res.headers['ratelimit-remaining'] as string | undefined)
    }
    expect(remaining).toEqual(['2', '1', '0'])
    const limited = await app.inject(chat({ 'x-relay-token': token }))
    expectErrorShape(limited, 429, 'rate_limited')
    expect(limited.headers['ratelimit-limit']).toBe('3')
    expect(limited.headers['ratelimit-remaining']).toBe('0')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(limited.headers['ratelimit-policy']).toBe('3;w=60')
    expect(up.requests).toHaveLength(3)

    // The limit is per token: another user is not affected.
    const other = await registerUser(app)
    await storeKey(app, other, 'openai', SAMPLE_KEYS.openai)
    expect((await app.inject(chat({ 'x-relay-token': other }))).statusCode).toBe(200)
  })
})

// Issue 17 item 5: 150 bad-token calls to /relay/* never met a 429, contrary to the README.
describe('refused relay calls spend the per-IP quota', () => {
  const refused: [string, (token: string) => InjectOptions, number, string][] = [
    ['no token', () => chat({}), 401, 'token_missing'],
    ['a bad token', () => chat({ 'x-relay-token': 'byok_rt_guess' }), 401, 'token_invalid'],
    [
      'a bad token on POST /relay',
      () => ({ ...chat({ 'x-relay-token': 'byok_rt_guess' }), url: '/relay' }),
      401,
      'token_invalid',
    ],
    [
      'an unknown provider',
      (token) => ({ ...chat({ 'x-relay-token': token }), url: '/relay/nope/v1/chat/completions' }),
      400,
      'provider_unknown',
    ],
  ]

  it.each(refused)('%s: 429 after RATE_LIMIT_GLOBAL_PER_MIN refusals', async (_label, call, status, code) => {
    const { app, token } = await setup({ RATE_LIMIT_GLOBAL_PER_MIN: '200' })
    // Registration and key storage above spent some of the same per-IP quota.
    let seen = 0
    for (; seen < 250; seen++) {
      const res = await app.inject(call(token))
      if (res.statusCode === 429) break
      expectErrorShape(res, status, code)
    }
    expect(seen).toBeLessThan(200)
    const limited = await app.inject(call(token))
    expectErrorShape(limited, 429, 'rate_limited')
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0)
    expect(up.requests).toEqual([])
  })

  it('a path outside the allowlist still spends no quota (SPEC §3.4)', async () => {
    const { app, token } = await setup({ RATE_LIMIT_GLOBAL_PER_MIN: '5' })
    for (let i = 0; i < 10; i++) {
      const res = await app.inject({ ...chat({ 'x-relay-token': token }), url: '/relay/openai/v1/files' })
      expectErrorShape(res, 403, 'path_forbidden')
    }
  })
})

// Issue 17 wire compatibility: a body sent as application/json that is not JSON never reaches the provider.
describe('a relay body that says JSON but is not', () => {
  it.each([
    ['truncated', '{"model":"gpt-4o-mini",'],
    ['not JSON at all', 'model=gpt-4o-mini'],
    ['two values', '{"model":"gpt-4o-mini"} {}'],
  ])('%s → 400 validation_error before the provider', async (_label, payload) => {
    const { app, token } = await setup()
    expectErrorShape(await app.inject(chat({ 'x-relay-token': token }, payload)), 400, 'validation_error')
    const withCharset = await app.inject({
      ...chat({ 'x-relay-token': token }, payload),
      headers: { 'x-relay-token': token, 'content-type': 'application/json; charset=utf-8' },
    })
    expectErrorShape(withCharset, 400, 'validation_error')
    expect(up.requests).toEqual([])
  })

  it('still forwards valid JSON byte-for-byte, a leading BOM included, and any non-JSON type untouched', async () => {
    const { app, token } = await setup()
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"model":"gpt-4o-mini"}')])
    expect((await app.inject(chat({ 'x-relay-token': token }, bom as unknown as string))).statusCode).toBe(
      200,
    )
    expect(up.requests[0]!.body.equals(bom)).toBe(true)
    const text = await app.inject({
      ...chat({ 'x-relay-token': token }, 'not json'),
      headers: { 'x-relay-token': token, 'content-type': 'text/plain' },
    })
    expect(text.statusCode).toBe(200)
    expect(up.requests[1]!.body.toString()).toBe('not json')
  })
})
