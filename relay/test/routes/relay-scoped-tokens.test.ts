import type { FastifyInstance, InjectOptions } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  buildTestApp,
  createClock,
  expectErrorShape,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
} from '../helpers.js'
import { allBaseUrls, NO_LIMITS, startUpstream, type UpstreamServer } from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

const ORIGIN = 'https://app.example'

async function setup(
  scope: Record<string, unknown>,
  deps: Parameters<typeof buildTestApp>[1] = {},
): Promise<{ app: FastifyInstance; full: string; scoped: string }> {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin) }, deps)
  const full = await registerUser(app)
  for (const id of ['openai', 'anthropic', 'google'] as const) await storeKey(app, full, id, SAMPLE_KEYS[id])
  const res = await app.inject({
    method: 'POST',
    url: '/tokens',
    headers: { 'x-relay-token': full },
    payload: scope,
  })
  expect(res.statusCode, res.body).toBe(200)
  return { app, full, scoped: res.json<{ token: string }>().token }
}

const chat = (token: string, payload: unknown, extra: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url: '/relay/openai/v1/chat/completions',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, origin: ORIGIN, ...extra },
  payload: JSON.stringify(payload),
})

const routed = (token: string, model: string): InjectOptions => ({
  method: 'POST',
  url: '/relay',
  headers: { 'content-type': 'application/json', 'x-relay-token': token, origin: ORIGIN },
  payload: JSON.stringify({ model, messages: [] }),
})

describe('a scoped token on the relay routes', () => {
  it('forwards a call inside its scope with the stored key', async () => {
    const { app, scoped } = await setup({ providers: ['openai'], models: ['gpt-4o*'], origins: [ORIGIN] })
    const res = await app.inject(chat(scoped, { model: 'gpt-4o-mini' }))
    expect(res.statusCode, res.body).toBe(200)
    expect(up.requests).toHaveLength(1)
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${SAMPLE_KEYS.openai}`)
  })

  it('refuses another provider with 403 token_scope_provider, before anything reaches it', async () => {
    const { app, full, scoped } = await setup({ providers: ['openai'] })
    const anthropic: InjectOptions = {
      method: 'POST',
      url: '/relay/anthropic/v1/messages',
      headers: { 'content-type': 'application/json', 'x-api-key': scoped },
      payload: '{"model":"claude-sonnet-4-5","max_tokens":1}',
    }
    expectErrorShape(await app.inject(anthropic), 403, 'token_scope_provider')
    // The same body through POST /relay, routed by its model.
    expectErrorShape(
      await app.inject(routed(scoped, 'anthropic/claude-sonnet-4-5')),
      403,
      'token_scope_provider',
    )
    expectErrorShape(await app.inject(routed(scoped, 'claude-sonnet-4-5')), 403, 'token_scope_provider')
    expect(up.requests).toEqual([])
    // The full token of the same user is not restricted.
    expect(
      (await app.inject({ ...anthropic, headers: { ...anthropic.headers, 'x-api-key': full } })).statusCode,
    ).toBe(200)
  })

  it.each([
    ['a model outside its patterns', { model: 'gpt-4.1' }],
    ['a pattern prefix that is not a match', { model: 'gpt-4' }],
    ['no model', { messages: [] }],
    ['a non-string model', { model: 42 }],
    ['model and model_id that disagree', { model: 'gpt-4o', model_id: 'gpt-5' }],
  ])('refuses %s with 403 token_scope_model', async (_label, payload) => {
    const { app, scoped } = await setup({ models: ['gpt-4o*'] })
    const res = await app.inject(chat(scoped, payload))
    expectErrorShape(res, 403, 'token_scope_model')
    expect(up.requests).toEqual([])
  })

  it('checks the model of POST /relay and of a Gemini path', async () => {
    const { app, scoped } = await setup({ models: ['gpt-4o*', 'google/gemini-2.5-flash'] })
    expect((await app.inject(routed(scoped, 'gpt-4o-mini'))).statusCode).toBe(200)
    expect((await app.inject(routed(scoped, 'openai/gpt-4o-mini'))).statusCode).toBe(200)
    expectErrorShape(await app.inject(routed(scoped, 'gpt-4.1')), 403, 'token_scope_model')
    const gemini = (model: string): InjectOptions => ({
      method: 'POST',
      url: `/relay/google/v1beta/models/${model}:generateContent`,
      headers: { 'content-type': 'application/json', 'x-goog-api-key': scoped },
      payload: '{"contents":[]}',
    })
    expect((await app.inject(gemini('gemini-2.5-flash'))).statusCode).toBe(200)
    expectErrorShape(await app.inject(gemini('gemini-2.5-pro')), 403, 'token_scope_model')
    expect(up.requests).toHaveLength(3)
  })

  it('refuses a model-restricted call whose model cannot be read (multipart without a model field)', async () => {
    const { app, scoped } = await setup({ models: ['whisper-1'] })
    const body =
      '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF\r\n--XyZ--\r\n'
    const res = await app.inject({
      method: 'POST',
      url: '/relay/openai/v1/audio/transcriptions',
      headers: { 'content-type': 'multipart/form-data; boundary=XyZ', 'x-relay-token': scoped },
      payload: body,
    })
    expectErrorShape(res, 403, 'token_scope_model')
    expect(up.requests).toEqual([])
  })

  it.each([
    ['another origin', { origin: 'https://evil.example' }],
    ['no Origin header', { origin: '' }],
    ['the origin with a trailing slash', { origin: `${ORIGIN}/` }],
  ])('with origins, refuses %s with 403 token_scope_origin', async (_label, extra) => {
    const { app, scoped } = await setup({ origins: [ORIGIN] })
    const request = chat(scoped, { model: 'gpt-4o-mini' })
    const headers = { ...(request.headers as Record<string, string>), ...extra }
    if (extra.origin === '') delete (headers as Record<string, string | undefined>).origin
    expectErrorShape(await app.inject({ ...request, headers }), 403, 'token_scope_origin')
    expectErrorShape(await app.inject({ ...routed(scoped, 'gpt-4o'), headers }), 403, 'token_scope_origin')
    expect(up.requests).toEqual([])
  })

  it('stops working at its expiry (401 token_expired)', async () => {
    const clock = createClock()
    const { app, scoped } = await setup({ expires_in: 60 }, { now: clock.now })
    expect((await app.inject(chat(scoped, { model: 'gpt-4o' }))).statusCode).toBe(200)
    clock.advance(60_000)
    expectErrorShape(await app.inject(chat(scoped, { model: 'gpt-4o' })), 401, 'token_expired')
    expect(up.requests).toHaveLength(1)
  })

  it('refusals for its scope spend the per-IP quota, like refusals for a bad token', async () => {
    const app = await buildTestApp({ ...allBaseUrls(up.origin), RATE_LIMIT_GLOBAL_PER_MIN: '3' })
    const full = await registerUser(app)
    const res = await app.inject({
      method: 'POST',
      url: '/tokens',
      headers: { 'x-relay-token': full },
      payload: { providers: ['anthropic'] },
    })
    const scoped = res.json<{ token: string }>().token
    // POST /users and POST /tokens spent two of the three allowed requests; the first refusal spends the last.
    expectErrorShape(await app.inject(chat(scoped, { model: 'gpt-4o' })), 403, 'token_scope_provider')
    expectErrorShape(await app.inject(chat(scoped, { model: 'gpt-4o' })), 429, 'rate_limited')
    expect(up.requests).toEqual([])
  })
})
