import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { findProvider, PROVIDER_IDS } from '../../src/index.js'
import { buildTestApp, expectErrorShape, SAMPLE_KEYS, storeKey } from '../helpers.js'
import {
  allBaseUrls,
  json,
  NO_LIMITS,
  type Responder,
  startUpstream,
  type UpstreamServer,
} from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

const APP_SECRET = 'operator-app-secret-0123456789'

type Stats = {
  total: number
  error_count: number
  providers: Record<string, { total: number; errors: number }>
  top_models: { model: string; total: number }[]
  last_7d: number
  last_30d: number
  last_request: string | null
  requests: number
  errors: number
  error_rate: number
  input_tokens: number
  output_tokens: number
  by_model: {
    provider: string
    model: string | null
    requests: number
    errors: number
    input_tokens: number
    output_tokens: number
  }[]
}

async function register(app: FastifyInstance, appId: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/users',
    headers: { authorization: `Bearer ${APP_SECRET}` },
    payload: { app_id: appId },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ token: string }>().token
}

const completion = (model: string, prompt: number, completionTokens: number): Responder =>
  json(200, {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
    },
  })

async function relay(app: FastifyInstance, token: string, url: string, body: string, responder: Responder) {
  up.respond(responder)
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: body,
  })
  return res.statusCode
}

/** The request log is written when the response closes; poll briefly rather than sleep. */
async function statsWhen(get: () => Promise<Stats>, ready: (stats: Stats) => boolean): Promise<Stats> {
  let stats = await get()
  for (let i = 0; i < 50 && !ready(stats); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    stats = await get()
  }
  return stats
}

describe('GET /models', () => {
  type Models = {
    providers: string[]
    providerPrefixes: string[]
    patterns: { pattern: string; flags: string; provider: string }[]
    restricted: boolean
    allowed_models: string[] | null
    provider_details: { id: string; routes: string[]; chat_path: string | null }[]
  }

  it('lists every provider with its routes, without auth', async () => {
    const app = await buildTestApp(NO_LIMITS)
    const res = await app.inject({ method: 'GET', url: '/models' })
    expect(res.statusCode).toBe(200)
    const body = res.json<Models>()
    expect(body.provider_details.map((p) => p.id)).toEqual([...PROVIDER_IDS])
    for (const entry of body.provider_details) expect(entry.routes).toEqual(findProvider(entry.id)!.routes)
    expect(body.restricted).toBe(false)
    expect(body.allowed_models).toBeNull()
  })

  // Issue 17 wire compatibility: byok-relay's GET /models shape.
  it("answers in byok-relay's shape: provider ids, prefixes and routing patterns", async () => {
    const app = await buildTestApp(NO_LIMITS)
    const body = (await app.inject({ method: 'GET', url: '/models' })).json<Models>()
    expect(body.providers).toEqual([...PROVIDER_IDS])
    // Every prefix POST /relay accepts ("anthropic/…") is listed; a provider without a chat route is not.
    expect(body.providerPrefixes).toContain('anthropic')
    expect(body.providerPrefixes).toContain('google')
    expect(body.providerPrefixes).not.toContain('elevenlabs')
    // Patterns are regular expressions, as byok-relay clients compile them, and route like POST /relay does.
    const route = (model: string) =>
      body.patterns.find((p) => new RegExp(p.pattern, p.flags).test(model))?.provider
    expect(route('gpt-4o-mini')).toBe('openai')
    expect(route('claude-sonnet-4-5')).toBe('anthropic')
    expect(route('gemini-2.5-flash')).toBe('google')
    expect(route('totally-unknown')).toBeUndefined()
  })

  it('shows ALLOWED_MODELS when set', async () => {
    const app = await buildTestApp({ ...NO_LIMITS, ALLOWED_MODELS: 'gpt-4o*,anthropic/claude-3-5-*' })
    const res = await app.inject({ method: 'GET', url: '/models' })
    expect(res.json()).toMatchObject({
      restricted: true,
      allowed_models: ['gpt-4o*', 'anthropic/claude-3-5-*'],
    })
  })
})

describe('GET /stats and GET /stats/:app_id', () => {
  async function withTraffic() {
    const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), APP_SECRET })
    const token = await register(app, 'shop-app')
    const other = await register(app, 'other-app')
    for (const t of [token, other]) {
      await storeKey(app, t, 'openai', SAMPLE_KEYS.openai)
      await storeKey(app, t, 'anthropic', SAMPLE_KEYS.anthropic)
    }
    const chat = '/relay/openai/v1/chat/completions'
    expect(await relay(app, token, chat, '{"model":"gpt-4o-mini"}', completion('gpt-4o-mini', 11, 7))).toBe(
      200,
    )
    expect(await relay(app, token, chat, '{"model":"gpt-4o-mini"}', completion('gpt-4o-mini', 5, 3))).toBe(
      200,
    )
    expect(
      await relay(app, token, chat, '{"model":"gpt-4o-mini"}', json(500, { error: { message: 'x' } })),
    ).toBe(500)
    const anthropicUsage = { model: 'claude-x', usage: { input_tokens: 20, output_tokens: 4 } }
    expect(
      await relay(
        app,
        token,
        '/relay/anthropic/v1/messages',
        '{"model":"claude-x"}',
        json(200, anthropicUsage),
      ),
    ).toBe(200)
    expect(await relay(app, other, chat, '{"model":"gpt-4o"}', completion('gpt-4o', 100, 50))).toBe(200)
    const get = (t: string) => async () =>
      (await app.inject({ method: 'GET', url: '/stats', headers: { 'x-relay-token': t } })).json<Stats>()
    return { app, token, other, get }
  }

  it("shows the caller's requests, errors and tokens by provider and model", async () => {
    const { token, get } = await withTraffic()
    const stats = await statsWhen(get(token), (s) => s.requests >= 4)
    expect(stats).toMatchObject({
      requests: 4,
      errors: 1,
      error_rate: 0.25,
      input_tokens: 36,
      output_tokens: 14,
    })
    // Successful calls are logged under the model the response names, with its token counts.
    expect(stats.by_model).toContainEqual({
      provider: 'anthropic',
      model: 'claude-x',
      requests: 1,
      errors: 0,
      input_tokens: 20,
      output_tokens: 4,
    })
    expect(stats.by_model).toContainEqual(
      expect.objectContaining({
        provider: 'openai',
        model: 'gpt-4o-mini',
        input_tokens: 16,
        output_tokens: 10,
      }),
    )
    // The failed call's error answer names no model; it still counts for its provider.
    const openai = stats.by_model.filter((row) => row.provider === 'openai')
    expect(openai.every((row) => row.model === 'gpt-4o-mini' || row.model === null)).toBe(true)
    expect(openai.reduce((n, row) => n + row.requests, 0)).toBe(3)
    expect(openai.reduce((n, row) => n + row.errors, 0)).toBe(1)
    // The other user's gpt-4o call is theirs only.
    expect(stats.by_model.some((row) => row.model === 'gpt-4o')).toBe(false)
  })

  it('401 without a token', async () => {
    const app = await buildTestApp(NO_LIMITS)
    expectErrorShape(await app.inject({ method: 'GET', url: '/stats' }), 401, 'token_missing')
  })

  it('per-app stats need the right APP_SECRET', async () => {
    const { app, token, other, get } = await withTraffic()
    await statsWhen(get(token), (s) => s.requests >= 4)
    await statsWhen(get(other), (s) => s.requests >= 1)
    const perApp = (authorization?: string) =>
      app.inject({ method: 'GET', url: '/stats/shop-app', headers: authorization ? { authorization } : {} })
    expectErrorShape(await perApp(), 401, 'app_secret_invalid')
    expectErrorShape(await perApp('Bearer wrong-secret-0123456789'), 401, 'app_secret_invalid')
    expectErrorShape(await perApp(`Bearer ${token}`), 401, 'app_secret_invalid')
    const res = await perApp(`Bearer ${APP_SECRET}`)
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({
      app_id: 'shop-app',
      user_count: 1,
      requests: 4,
      errors: 1,
      input_tokens: 36,
      output_tokens: 14,
      total: 4,
      error_count: 1,
      providers: { openai: { total: 3, errors: 1 }, anthropic: { total: 1, errors: 0 } },
    })
  })

  // Issue 17 wire compatibility: byok-relay clients read these field names.
  it("also answers in byok-relay's shape: total, error_count, providers, top_models, last_7d/30d, last_request", async () => {
    const before = Date.now()
    const { token, get } = await withTraffic()
    const stats = await statsWhen(get(token), (s) => s.requests >= 4)
    expect(stats).toMatchObject({
      total: 4,
      error_count: 1,
      error_rate: 0.25,
      providers: { openai: { total: 3, errors: 1 }, anthropic: { total: 1, errors: 0 } },
      last_7d: 4,
      last_30d: 4,
    })
    expect(stats.top_models).toEqual([
      { model: 'gpt-4o-mini', total: 3 },
      { model: 'claude-x', total: 1 },
    ])
    expect(Date.parse(stats.last_request!)).toBeGreaterThanOrEqual(before - 1000)
  })

  it('counts users per app for GET /stats/:app_id', async () => {
    const { app, token, get } = await withTraffic()
    await statsWhen(get(token), (s) => s.requests >= 4)
    const second = await register(app, 'shop-app')
    await storeKey(app, second, 'openai', SAMPLE_KEYS.openai)
    const chat = '/relay/openai/v1/chat/completions'
    expect(await relay(app, second, chat, '{"model":"gpt-4o"}', completion('gpt-4o', 1, 1))).toBe(200)
    await statsWhen(get(second), (s) => s.requests >= 1)
    const res = await app.inject({
      method: 'GET',
      url: '/stats/shop-app',
      headers: { authorization: `Bearer ${APP_SECRET}` },
    })
    expect(res.json()).toMatchObject({ app_id: 'shop-app', user_count: 2, total: 5 })
  })

  // Issue 17 item 8: an erased user's request-log rows stayed behind.
  it("DELETE /users erases that user's request-log rows too", async () => {
    const { app, token, other, get } = await withTraffic()
    await statsWhen(get(token), (s) => s.requests >= 4)
    await statsWhen(get(other), (s) => s.requests >= 1)
    const appStats = async (appId: string) =>
      (
        await app.inject({
          method: 'GET',
          url: `/stats/${appId}`,
          headers: { authorization: `Bearer ${APP_SECRET}` },
        })
      ).json<Stats & { user_count: number }>()
    expect((await appStats('shop-app')).requests).toBe(4)
    const erased = await app.inject({ method: 'DELETE', url: '/users', headers: { 'x-relay-token': token } })
    expect(erased.statusCode).toBe(200)
    expect(await appStats('shop-app')).toMatchObject({
      requests: 0,
      user_count: 0,
      by_model: [],
      top_models: [],
    })
    // Nobody else's rows went with them.
    expect((await appStats('other-app')).requests).toBe(1)
  })

  it('serves an app_id of the full 200 characters POST /users accepts', async () => {
    const app = await buildTestApp({ ...NO_LIMITS, APP_SECRET })
    const appId = 'a'.repeat(200)
    await register(app, appId)
    const res = await app.inject({
      method: 'GET',
      url: `/stats/${appId}`,
      headers: { authorization: `Bearer ${APP_SECRET}` },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({ app_id: appId, requests: 0, errors: 0 })
  })

  it('503 not_configured without APP_SECRET', async () => {
    const app = await buildTestApp(NO_LIMITS)
    const res = await app.inject({
      method: 'GET',
      url: '/stats/shop-app',
      headers: { authorization: `Bearer ${APP_SECRET}` },
    })
    expectErrorShape(res, 503, 'not_configured')
  })
})

// Issue 17 item 2: a custom endpoint answering with a 1.5 MB model name filled the disk through the request log,
// and /stats returned 1.5 MB. Upstream-derived values are capped before they are stored; /stats is bounded.
describe('what the request log keeps from an upstream answer', () => {
  async function setupOne() {
    const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin) })
    const token = await register(app, 'cap-app')
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    const get = async () =>
      (await app.inject({ method: 'GET', url: '/stats', headers: { 'x-relay-token': token } })).json<Stats>()
    return { app, token, get }
  }
  const chat = '/relay/openai/v1/chat/completions'

  it('caps the model name (length and characters) and the token counts', async () => {
    const { app, token, get } = await setupOne()
    const huge = `evil-${'m'.repeat(1_500_000)}`
    const huge2 = 'gpt\n<script>"x"</script>\u0000-5'
    const max = Number.MAX_SAFE_INTEGER
    for (const model of [huge, huge, huge2]) {
      const answer = json(200, { model, usage: { prompt_tokens: max, completion_tokens: max } })
      expect(await relay(app, token, chat, '{"model":"gpt-4o"}', answer)).toBe(200)
    }
    const res = await app.inject({ method: 'GET', url: '/stats', headers: { 'x-relay-token': token } })
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200)
    expect(res.body.length).toBeLessThan(4_000)
    const stats = await statsWhen(get, (s) => s.requests >= 3)
    for (const row of stats.by_model) {
      expect(row.model!.length).toBeLessThanOrEqual(200)
      expect(row.model).toMatch(/^[A-Za-z0-9._:/@+=-]+$/)
      expect(row.input_tokens).toBeLessThanOrEqual(3_000_000_000)
    }
    expect(stats.by_model.map((r) => r.model)).toContain('gptscriptx/script-5')
    expect(stats.input_tokens).toBe(3_000_000_000)
    expect(stats.output_tokens).toBe(3_000_000_000)
  })

  it('bounds GET /stats however many distinct models were logged', async () => {
    const { app, token, get } = await setupOne()
    for (let i = 0; i < 130; i++) {
      const model = `model-${i}`
      expect(await relay(app, token, chat, '{"model":"gpt-4o"}', completion(model, 1, 1))).toBe(200)
    }
    const stats = await statsWhen(get, (s) => s.requests >= 130)
    expect(stats.requests).toBe(130)
    expect(stats.by_model).toHaveLength(100)
    expect(stats.top_models).toHaveLength(10)
    expect(stats.providers).toEqual({ openai: { total: 130, errors: 0 } })
  })
})
