import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openSqliteStore } from '../../src/index.js'
import { type MockProviders, startMockProviders } from '../../src/mock-providers/index.js'
import type { Store } from '../../src/store/types.js'
import {
  buildTestApp,
  createClock,
  DAY_MS,
  expectErrorShape,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
} from '../helpers.js'
import { NO_LIMITS } from '../upstream-server.js'

// Per-token caps (POST /tokens `cap`, issue 20 with the budgets of issue 21): enforced through the relay with the
// budget machinery, shown by GET /tokens, never widened by minting.

let mocks: MockProviders
beforeAll(async () => {
  mocks = await startMockProviders({ expectedKey: null, chunks: 2, delayMs: 0 })
})
afterAll(() => mocks.close())

const CHAT_URL = '/relay/openai/v1/chat/completions'
const CHAT = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] })

interface CapJson {
  token_id: string
  period: string
  max_requests: number | null
  max_input_tokens: number | null
  max_output_tokens: number | null
  used: { requests: number; input_tokens: number; output_tokens: number }
  resets_at: string | null
}

async function setup(env: Record<string, string> = {}, clock = createClock()) {
  const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS, ...env }, { now: clock.now })
  const token = await registerUser(app)
  await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
  return { app, token, clock }
}

function mint(app: FastifyInstance, by: string, body: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/tokens', headers: { 'x-relay-token': by }, payload: body })
}

async function minted(app: FastifyInstance, by: string, body: Record<string, unknown>) {
  const res = await mint(app, by, body)
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ token: string; id: string; caps: Omit<CapJson, 'used' | 'resets_at'>[] }>()
}

const chat = (app: FastifyInstance, token: string) =>
  app.inject({
    method: 'POST',
    url: CHAT_URL,
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: CHAT,
  })

async function capsOf(app: FastifyInstance, full: string, id: string): Promise<CapJson[]> {
  const res = await app.inject({ method: 'GET', url: '/tokens', headers: { 'x-relay-token': full } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ tokens: { id: string; caps: CapJson[] }[] }>().tokens.find((t) => t.id === id)!.caps
}

describe('token caps', () => {
  it('refuses the call past a lifetime cap with 429 token_cap_exceeded; GET /tokens shows the counts', async () => {
    const { app, token } = await setup()
    const capped = await minted(app, token, { cap: { max_requests: 2 } })
    expect(capped.caps).toEqual([
      {
        token_id: capped.id,
        period: 'total',
        max_requests: 2,
        max_input_tokens: null,
        max_output_tokens: null,
      },
    ])
    const before = mocks.openai.exchanges.length
    for (let i = 0; i < 2; i++) expect((await chat(app, capped.token)).statusCode).toBe(200)
    const refused = expectErrorShape(await chat(app, capped.token), 429, 'token_cap_exceeded')
    expect(refused.error).toBe(
      `The cap set on token ${capped.id} is used up: 2 of 2 requests over the token’s life; it does not reset`,
    )
    expect(mocks.openai.exchanges.length - before).toBe(2)
    // The user's own full token has no cap.
    expect((await chat(app, token)).statusCode).toBe(200)
    await vi.waitFor(async () =>
      expect(await capsOf(app, token, capped.id)).toEqual([
        expect.objectContaining({
          token_id: capped.id,
          // Tokens as the provider reported them, though only requests are capped.
          used: { requests: 2, input_tokens: 38, output_tokens: 4 },
          resets_at: null,
        }),
      ]),
    )
    const list = await app.inject({ method: 'GET', url: '/tokens', headers: { 'x-relay-token': token } })
    const own = list.json<{ tokens: { current: boolean; caps: unknown[] }[] }>().tokens.find((t) => t.current)
    expect(own).toMatchObject({ scoped: false, caps: [] })
  })

  it('a daily cap counts tokens, answers Retry-After until midnight UTC, and resets then', async () => {
    const clock = createClock(Date.UTC(2030, 0, 1, 18))
    const { app, token } = await setup({}, clock)
    const capped = await minted(app, token, {
      expires_in: DAY_MS / 1000,
      cap: { period: 'day', max_output_tokens: 1 },
    })
    expect((await chat(app, capped.token)).statusCode).toBe(200)
    await vi.waitFor(async () =>
      expect((await capsOf(app, token, capped.id))[0]?.used.output_tokens).toBeGreaterThan(0),
    )
    const res = await chat(app, capped.token)
    const body = expectErrorShape(res, 429, 'token_cap_exceeded')
    expect(body.error).toMatch(/output tokens per day; it resets at 2030-01-02T00:00:00.000Z$/)
    expect(res.headers['retry-after']).toBe(String(6 * 3600))
    clock.advance(DAY_MS / 4)
    expect((await chat(app, capped.token)).statusCode).toBe(200)
  })

  it('tokens minted from a capped token share its cap and can only narrow it', async () => {
    const { app, token } = await setup()
    const parent = await minted(app, token, { cap: { period: 'day', max_requests: 3 } })
    for (const cap of [{ max_requests: 4 }, { period: 'month', max_requests: 1 }, { period: 'total' }]) {
      expectErrorShape(
        await mint(app, parent.token, { cap }),
        cap.period === 'total' ? 400 : 403,
        cap.period === 'total' ? 'validation_error' : 'token_scope_widen',
      )
    }
    expectErrorShape(await mint(app, parent.token, { cap: { max_request: 1 } }), 400, 'validation_error')

    // No cap asked: the child carries the parent's, and its calls count against it.
    const inherits = await minted(app, parent.token, {})
    expect(inherits.caps).toEqual(parent.caps)
    const narrower = await minted(app, parent.token, { cap: { max_requests: 1 } })
    expect(narrower.caps.map((c) => [c.token_id, c.max_requests])).toEqual([
      [parent.id, 3],
      [narrower.id, 1],
    ])
    expect((await chat(app, narrower.token)).statusCode).toBe(200)
    expectErrorShape(await chat(app, narrower.token), 429, 'token_cap_exceeded')
    expect((await chat(app, inherits.token)).statusCode).toBe(200)
    expect((await chat(app, parent.token)).statusCode).toBe(200)
    // Three calls through the family: the parent's cap is spent for every token that carries it.
    for (const t of [parent, inherits]) {
      const refused = expectErrorShape(await chat(app, t.token), 429, 'token_cap_exceeded')
      expect(refused.error).toContain(`token ${parent.id}`)
    }
    // A grandchild minted with no cap still carries both.
    const grandchild = await minted(app, narrower.token, {})
    expect(grandchild.caps.map((c) => c.token_id)).toEqual([parent.id, narrower.id])
  })

  it('the app backend mints a capped token for an external user (APP_SECRET)', async () => {
    const app = await buildTestApp({ APP_SECRET: 'app-secret-0123456789-abcdefghij' })
    const res = await app.inject({
      method: 'POST',
      url: '/tokens',
      headers: { authorization: 'Bearer app-secret-0123456789-abcdefghij' },
      payload: { app_id: 'shop', external_user_id: 'u1', cap: { period: 'month', max_input_tokens: 10 } },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toMatchObject({
      caps: [{ period: 'month', max_input_tokens: 10, max_requests: null }],
    })
  })

  it('an uncapped token never reaches the budget store; a capped one reserves once per call', async () => {
    const store = openSqliteStore(':memory:')
    let reservations = 0
    const counted: Store = {
      ...store,
      reserveBudgets: (...args) => {
        reservations++
        return store.reserveBudgets(...args)
      },
    }
    const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS }, { store: counted })
    const token = await registerUser(app)
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    const scoped = await minted(app, token, { providers: ['openai'] })
    for (const t of [token, scoped.token, token]) expect((await chat(app, t)).statusCode).toBe(200)
    expect(reservations).toBe(0)
    const capped = await minted(app, token, { cap: { max_requests: 5 } })
    for (let i = 0; i < 2; i++) expect((await chat(app, capped.token)).statusCode).toBe(200)
    expect(reservations).toBe(2)
  })

  it('holds a small cap exactly under 16 parallel calls', async () => {
    const { app, token } = await setup({ MAX_CONNECTIONS_PER_IP: '0' })
    const capped = await minted(app, token, { cap: { period: 'day', max_requests: 3 } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    const before = mocks.openai.exchanges.length
    mocks.openai.settings.delayMs = 10 // admitted calls are still streaming while the others arrive
    try {
      const results = await Promise.all(
        Array.from({ length: 16 }, async () => {
          const res = await fetch(base + CHAT_URL, {
            method: 'POST',
            headers: { 'x-relay-token': capped.token, 'content-type': 'application/json' },
            body: CHAT,
          })
          return { status: res.status, body: await res.text() }
        }),
      )
      expect(results.filter((r) => r.status === 200)).toHaveLength(3)
      const refused = results.filter((r) => r.status === 429)
      expect(refused).toHaveLength(13)
      for (const r of refused) expect(JSON.parse(r.body).code).toBe('token_cap_exceeded')
      expect(mocks.openai.exchanges.length - before).toBe(3)
    } finally {
      mocks.openai.settings.delayMs = 0
    }
  })
})
