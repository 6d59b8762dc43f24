import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { openSqliteStore } from '../../src/index.js'
import { type MockProvider, type MockProviders, startMockProviders } from '../../src/mock-providers/index.js'
import { estimateCostUsd } from '../../src/pricing.js'
import type { BudgetRecord, Store } from '../../src/store/types.js'
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

let mocks: MockProviders
beforeAll(async () => {
  mocks = await startMockProviders({ expectedKey: null, chunks: 5, delayMs: 0 })
})
afterAll(() => mocks.close())

interface BudgetJson {
  id: string
  provider: string
  period: 'day' | 'month'
  max_requests: number | null
  max_input_tokens: number | null
  max_output_tokens: number | null
  used: { requests: number; input_tokens: number; output_tokens: number }
  period_start: string
  resets_at: string
}

async function setup(env: Record<string, string> = {}, clock = createClock()) {
  const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS, ...env }, { now: clock.now })
  const token = await registerUser(app)
  for (const provider of ['openai', 'anthropic', 'google'] as const) {
    await storeKey(app, token, provider, SAMPLE_KEYS[provider])
  }
  return { app, token, clock }
}

async function putBudget(app: FastifyInstance, token: string, body: Record<string, unknown>) {
  const res = await app.inject({
    method: 'PUT',
    url: '/budgets',
    headers: { 'x-relay-token': token },
    payload: body,
  })
  return res
}

async function listBudgets(app: FastifyInstance, token: string): Promise<BudgetJson[]> {
  const res = await app.inject({ method: 'GET', url: '/budgets', headers: { 'x-relay-token': token } })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ budgets: BudgetJson[] }>().budgets
}

interface Call {
  name: string
  mock: keyof Pick<MockProviders, 'openai' | 'anthropic' | 'google'>
  url: string
  body: Record<string, unknown>
  sse: boolean
}

const messages = [{ role: 'user', content: 'Say hello' }]
const CALLS: Call[] = [
  {
    name: 'OpenAI JSON',
    mock: 'openai',
    url: '/relay/openai/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages },
    sse: false,
  },
  {
    name: 'OpenAI SSE',
    mock: 'openai',
    url: '/relay/openai/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } },
    sse: true,
  },
  {
    name: 'Anthropic JSON',
    mock: 'anthropic',
    url: '/relay/anthropic/v1/messages',
    body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages },
    sse: false,
  },
  {
    name: 'Anthropic SSE',
    mock: 'anthropic',
    url: '/relay/anthropic/v1/messages',
    body: { model: 'claude-sonnet-4-5', max_tokens: 64, messages, stream: true },
    sse: true,
  },
  {
    name: 'Gemini JSON',
    mock: 'google',
    url: '/relay/google/v1beta/models/gemini-2.0-flash:generateContent',
    body: { contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] },
    sse: false,
  },
  {
    name: 'Gemini SSE',
    mock: 'google',
    url: '/relay/google/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse',
    body: {
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      generationConfig: { maxOutputTokens: 50 },
    },
    sse: true,
  },
]

async function relay(app: FastifyInstance, token: string, call: Call) {
  return app.inject({
    method: 'POST',
    url: call.url,
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: JSON.stringify(call.body),
  })
}

function lastUsage(mock: MockProvider) {
  const usage = mock.exchanges.at(-1)?.response.usage
  if (!usage) throw new Error('the mock reported no usage')
  return usage
}

const OPENAI_SSE = CALLS[1]!

describe('budgets: CRUD', () => {
  it('sets, replaces, lists and deletes a budget, scoped to its owner', async () => {
    const { app, token } = await setup()
    const first = await putBudget(app, token, { provider: 'openai', period: 'day', max_requests: 5 })
    expect(first.statusCode, first.body).toBe(200)
    const created = first.json<BudgetJson>()
    expect(created).toMatchObject({
      provider: 'openai',
      period: 'day',
      max_requests: 5,
      max_input_tokens: null,
      used: { requests: 0, input_tokens: 0, output_tokens: 0 },
      period_start: '2030-01-01T00:00:00.000Z',
      resets_at: '2030-01-02T00:00:00.000Z',
    })
    // The same provider and period again replaces the caps, keeping the id.
    const replaced = await putBudget(app, token, { provider: 'openai', period: 'day', max_output_tokens: 9 })
    expect(replaced.json<BudgetJson>()).toMatchObject({
      id: created.id,
      max_requests: null,
      max_output_tokens: 9,
    })
    const overall = await putBudget(app, token, { period: 'month', max_requests: 100 })
    expect(overall.json<BudgetJson>()).toMatchObject({ provider: '*', resets_at: '2030-02-01T00:00:00.000Z' })
    expect((await listBudgets(app, token)).map((b) => [b.provider, b.period])).toEqual([
      ['*', 'month'],
      ['openai', 'day'],
    ])

    const other = await registerUser(app, 'other-app')
    const foreign = await app.inject({
      method: 'DELETE',
      url: `/budgets/${created.id}`,
      headers: { 'x-relay-token': other },
    })
    expectErrorShape(foreign, 404, 'not_found')
    expect(await listBudgets(app, other)).toEqual([])

    const deleted = await app.inject({
      method: 'DELETE',
      url: `/budgets/${created.id}`,
      headers: { 'x-relay-token': token },
    })
    expect(deleted.json()).toEqual({ ok: true })
    expect((await listBudgets(app, token)).map((b) => b.provider)).toEqual(['*'])
  })

  it('erases budgets and counters with the user (DELETE /users)', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const { app, token } = await setup({ DB_PATH: dbPath })
      await putBudget(app, token, { period: 'day', max_requests: 5 })
      expect((await relay(app, token, CALLS[0]!)).statusCode).toBe(200)
      const count = () => {
        const db = new Database(dbPath, { readonly: true })
        try {
          return ['budgets', 'budget_usage'].map(
            (t) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n,
          )
        } finally {
          db.close()
        }
      }
      await vi.waitFor(() => expect(count()).toEqual([1, 1]))
      const erased = await app.inject({
        method: 'DELETE',
        url: '/users',
        headers: { 'x-relay-token': token },
      })
      expect(erased.statusCode, erased.body).toBe(200)
      expect(count()).toEqual([0, 0])
      await app.close()
    })
  })

  it.each([
    ['no cap at all', { period: 'day' }, 400, 'validation_error'],
    ['an unknown period', { period: 'week', max_requests: 1 }, 400, 'validation_error'],
    ['a negative cap', { period: 'day', max_requests: -1 }, 400, 'validation_error'],
    ['a fractional cap', { period: 'day', max_requests: 1.5 }, 400, 'validation_error'],
    ['a cap as a string', { period: 'day', max_requests: '10' }, 400, 'validation_error'],
    ['an unknown provider', { provider: 'nope', period: 'day', max_requests: 1 }, 400, 'provider_unknown'],
  ])('refuses %s', async (_name, body, status, code) => {
    const { app, token } = await setup()
    expectErrorShape(await putBudget(app, token, body), status, code)
    expect(await listBudgets(app, token)).toEqual([])
  })

  it('needs a token', async () => {
    const { app } = await setup()
    expectErrorShape(await app.inject({ method: 'GET', url: '/budgets' }), 401, 'token_missing')
    expectErrorShape(await app.inject({ method: 'GET', url: '/usage' }), 401, 'token_missing')
  })
})

describe('budgets: settlement from the usage the provider reported', () => {
  it.each(CALLS)('$name: counts the request and the reported tokens, not the estimate', async (call) => {
    const { app, token } = await setup()
    const provider = call.mock
    const put = await putBudget(app, token, {
      provider,
      period: 'day',
      max_requests: 100,
      max_input_tokens: 1_000_000,
      max_output_tokens: 1_000_000,
    })
    expect(put.statusCode, put.body).toBe(200)
    const res = await relay(app, token, call)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(call.sse ? /^text\/event-stream/ : /^application\/json/)
    const usage = lastUsage(mocks[call.mock])
    // The estimate differs from what the mock reports (5 output tokens; the requests name 0, 50 or 64).
    expect(usage.outputTokens).toBe(5)
    await vi.waitFor(async () => {
      expect((await listBudgets(app, token))[0]!.used).toEqual({
        requests: 1,
        input_tokens: usage.inputTokens,
        output_tokens: usage.outputTokens,
      })
    })
  })
})

describe('budgets: enforcement', () => {
  it('lets a stream that crosses the cap finish, then refuses with 429 budget_exceeded until the reset', async () => {
    const { app, token, clock } = await setup()
    const budget = (
      await putBudget(app, token, { provider: 'openai', period: 'day', max_output_tokens: 3 })
    ).json<BudgetJson>()
    const first = await relay(app, token, OPENAI_SSE)
    expect(first.statusCode).toBe(200)
    // All five deltas and the end of the stream arrived although the cap is 3.
    expect(first.body).toContain('data: [DONE]')
    expect(lastUsage(mocks.openai).outputTokens).toBe(5)
    await vi.waitFor(async () => expect((await listBudgets(app, token))[0]!.used.output_tokens).toBe(5))

    const before = mocks.openai.exchanges.length
    const refused = await relay(app, token, OPENAI_SSE)
    const body = expectErrorShape(refused, 429, 'budget_exceeded')
    expect(body.error).toContain(budget.id)
    expect(body.error).toContain('3 of 3 output tokens per day for openai')
    expect(body.error).toContain('resets at 2030-01-02T00:00:00.000Z')
    expect(body.hint).toMatch(/Retry-After/)
    expect(refused.headers['retry-after']).toBe('86400')
    expect(mocks.openai.exchanges.length).toBe(before) // never forwarded

    // A budget for one provider leaves the others alone.
    expect((await relay(app, token, CALLS[3]!)).statusCode).toBe(200)

    clock.advance(DAY_MS / 2)
    expect((await relay(app, token, OPENAI_SSE)).headers['retry-after']).toBe(String(DAY_MS / 2000))
    clock.advance(DAY_MS / 2)
    expect((await relay(app, token, OPENAI_SSE)).statusCode).toBe(200)
  })

  it('caps requests across all providers per month', async () => {
    const { app, token } = await setup()
    await putBudget(app, token, { period: 'month', max_requests: 2 })
    expect((await relay(app, token, CALLS[0]!)).statusCode).toBe(200)
    expect((await relay(app, token, CALLS[4]!)).statusCode).toBe(200)
    const refused = expectErrorShape(await relay(app, token, CALLS[2]!), 429, 'budget_exceeded')
    expect(refused.error).toContain('2 of 2 requests per month for all providers')
    expect(refused.error).toContain('resets at 2030-02-01T00:00:00.000Z')
  })

  it('does not count a call refused before forwarding (no key stored)', async () => {
    const { app, token } = await setup()
    await putBudget(app, token, { period: 'day', max_requests: 1 })
    await app.inject({ method: 'DELETE', url: '/keys/openai', headers: { 'x-relay-token': token } })
    expectErrorShape(await relay(app, token, CALLS[0]!), 400, 'key_missing')
    expect((await listBudgets(app, token))[0]!.used.requests).toBe(0)
    expect((await relay(app, token, CALLS[2]!)).statusCode).toBe(200)
  })
})

/**
 * A store on `dbPath` with one user and one budget, and a second connection to the same file that reads the
 * counters as another relay process sharing it would.
 */
async function storeWithBudget(dbPath: string, caps: Partial<BudgetRecord> = {}) {
  const store = openSqliteStore(dbPath)
  await store.createUser(
    { id: 'usr_budget', appId: 'app', createdAt: 0 },
    { hash: Buffer.alloc(32, 7), createdAt: 0, expiresAt: null },
  )
  const budget = await store.putBudget({
    id: 'bgt_store',
    userId: 'usr_budget',
    provider: '*',
    period: 'day',
    maxRequests: null,
    maxInputTokens: null,
    maxOutputTokens: null,
    createdAt: 0,
    updatedAt: 0,
    ...caps,
  })
  return { store, budget }
}

function countersOnDisk(dbPath: string) {
  const db = new Database(dbPath, { readonly: true })
  try {
    return db
      .prepare('SELECT requests, input_tokens AS input, output_tokens AS output FROM budget_usage')
      .get() as { requests: number; input: number; output: number } | undefined
  } finally {
    db.close()
  }
}

describe('budgets: concurrency', () => {
  const PARALLEL = 64

  async function listenAndFire(app: FastifyInstance, token: string, call: Call) {
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    return Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        const res = await fetch(base + call.url, {
          method: 'POST',
          headers: { 'x-relay-token': token, 'content-type': 'application/json' },
          body: JSON.stringify(call.body),
        })
        return { status: res.status, body: await res.text() }
      }),
    )
  }

  it(`lets exactly max_requests of ${PARALLEL} parallel calls through`, async () => {
    const { app, token } = await setup({ MAX_CONNECTIONS_PER_IP: '0' })
    await putBudget(app, token, { provider: 'openai', period: 'day', max_requests: 10 })
    const before = mocks.openai.exchanges.length
    mocks.openai.settings.delayMs = 10 // every admitted call is still streaming while the others arrive
    try {
      const results = await listenAndFire(app, token, OPENAI_SSE)
      const ok = results.filter((r) => r.status === 200)
      const refused = results.filter((r) => r.status === 429)
      expect(ok.length).toBe(10)
      expect(refused.length).toBe(PARALLEL - 10)
      for (const r of refused) expect(JSON.parse(r.body).code).toBe('budget_exceeded')
      expect(mocks.openai.exchanges.length - before).toBe(10)
    } finally {
      mocks.openai.settings.delayMs = 0
    }
    await vi.waitFor(async () => expect((await listBudgets(app, token))[0]!.used.requests).toBe(10))
  })

  it('reserves max_tokens up front, so parallel calls cannot overspend a token cap', async () => {
    const { app, token } = await setup({ MAX_CONNECTIONS_PER_IP: '0' })
    await putBudget(app, token, { provider: 'anthropic', period: 'day', max_output_tokens: 20 })
    mocks.anthropic.settings.delayMs = 10
    try {
      // Each call asks for at most 5 output tokens (and the mock answers 5): 4 fit in 20.
      const call = { ...CALLS[3]!, body: { ...CALLS[3]!.body, max_tokens: 5 } }
      const results = await listenAndFire(app, token, call)
      expect(results.filter((r) => r.status === 200).length).toBe(4)
      expect(results.filter((r) => r.status === 429).length).toBe(PARALLEL - 4)
    } finally {
      mocks.anthropic.settings.delayMs = 0
    }
    await vi.waitFor(async () => expect((await listBudgets(app, token))[0]!.used.output_tokens).toBe(20))
  })
  it('holds the cap across two connections to one file (two relay processes)', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const { store: first, budget } = await storeWithBudget(dbPath, { maxRequests: 10 })
      const second: Store = openSqliteStore(dbPath)
      try {
        const estimate = { inputTokens: 3, outputTokens: 0 }
        const results = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            (i % 2 ? first : second).reserveBudgets([budget], [0], estimate),
          ),
        )
        expect(results.filter((r) => r.ok).length).toBe(10)
        expect(countersOnDisk(dbPath)).toEqual({ requests: 10, input: 30, output: 0 })
      } finally {
        await first.close()
        await second.close()
      }
    })
  })
})

describe('budgets: restart', () => {
  it('writes a reservation before it returns, and every settlement by the next reservation, 100 ms, or close', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const { store, budget } = await storeWithBudget(dbPath, { maxOutputTokens: 1000 })
      const estimate = { inputTokens: 100, outputTokens: 50 }
      const reserve = async () => {
        const result = await store.reserveBudgets([budget], [0], estimate)
        if (!result.ok) throw new Error('refused')
        return result.reservation
      }
      const first = await reserve()
      expect(countersOnDisk(dbPath)).toEqual({ requests: 1, input: 100, output: 50 })
      await store.settleBudgets(first, { inputTokens: 30, outputTokens: 5 })
      // Left alone, a settlement is written within 100 ms (the bound on what a kill -9 can lose).
      await vi.waitFor(() => expect(countersOnDisk(dbPath)).toEqual({ requests: 1, input: 30, output: 5 }), {
        timeout: 2000,
        interval: 20,
      })
      // A reservation writes this process's settlements before its own check.
      await store.settleBudgets(await reserve(), { inputTokens: 40, outputTokens: 6 })
      const third = await reserve()
      expect(countersOnDisk(dbPath)).toEqual({ requests: 3, input: 170, output: 61 })
      // A graceful close writes the rest.
      await store.settleBudgets(third, { inputTokens: 1, outputTokens: 1 })
      await store.close()
      expect(countersOnDisk(dbPath)).toEqual({ requests: 3, input: 71, output: 12 })
    })
  })
  it('keeps budgets and counters in SQLite across a restart', async () => {
    await withTempDir(async (dir) => {
      const env = { DB_PATH: join(dir, 'relay.db') }
      const clock = createClock()
      const first = await setup(env, clock)
      await putBudget(first.app, first.token, { period: 'day', max_requests: 3 })
      for (let i = 0; i < 2; i++)
        expect((await relay(first.app, first.token, OPENAI_SSE)).statusCode).toBe(200)
      await vi.waitFor(async () =>
        expect((await listBudgets(first.app, first.token))[0]!.used).toEqual({
          requests: 2,
          input_tokens: 2 * lastUsage(mocks.openai).inputTokens,
          output_tokens: 10,
        }),
      )
      await first.app.close()

      const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS, ...env }, { now: clock.now })
      const [budget] = await listBudgets(app, first.token)
      expect(budget!.used).toMatchObject({ requests: 2, output_tokens: 10 })
      expect((await relay(app, first.token, OPENAI_SSE)).statusCode).toBe(200)
      expectErrorShape(await relay(app, first.token, OPENAI_SSE), 429, 'budget_exceeded')
    })
  })
})

describe('GET /usage', () => {
  async function usageApp() {
    const { app, token } = await setup()
    expect((await relay(app, token, CALLS[0]!)).statusCode).toBe(200)
    const known = lastUsage(mocks.openai)
    expect((await relay(app, token, CALLS[0]!)).statusCode).toBe(200)
    const unknownModel = { ...CALLS[0]!, body: { ...CALLS[0]!.body, model: 'mock-model-x' } }
    expect((await relay(app, token, unknownModel)).statusCode).toBe(200)
    const unknown = lastUsage(mocks.openai)
    // Another user's calls never show up.
    const other = await registerUser(app, 'other-app')
    await storeKey(app, other, 'openai', SAMPLE_KEYS.openai)
    expect((await relay(app, other, CALLS[0]!)).statusCode).toBe(200)
    return { app, token, known, unknown }
  }

  it('reports per app, provider, model and day as JSON, with estimated cost', async () => {
    const { app, token, known, unknown } = await usageApp()
    const res = await app.inject({ method: 'GET', url: '/usage', headers: { 'x-relay-token': token } })
    expect(res.statusCode, res.body).toBe(200)
    const today = new Date().toISOString().slice(0, 10)
    const body = res.json()
    expect(body).toMatchObject({ to: today, prices_as_of: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) })
    expect(body.rows).toEqual([
      {
        day: today,
        app_id: 'test-app',
        provider: 'openai',
        model: 'gpt-4o-mini',
        requests: 2,
        errors: 0,
        input_tokens: 2 * known.inputTokens,
        output_tokens: 2 * known.outputTokens,
        estimated_cost_usd: estimateCostUsd(
          'openai',
          'gpt-4o-mini',
          2 * known.inputTokens,
          2 * known.outputTokens,
        ),
      },
      {
        day: today,
        app_id: 'test-app',
        provider: 'openai',
        model: 'mock-model-x',
        requests: 1,
        errors: 0,
        input_tokens: unknown.inputTokens,
        output_tokens: unknown.outputTokens,
        estimated_cost_usd: null,
      },
    ])
    expect(body.rows[0].estimated_cost_usd).toBeGreaterThan(0)
  })

  it('answers CSV with format=csv', async () => {
    const { app, token, known } = await usageApp()
    const res = await app.inject({
      method: 'GET',
      url: '/usage?format=csv',
      headers: { 'x-relay-token': token },
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/csv/)
    const lines = res.body.trimEnd().split('\r\n')
    expect(lines[0]).toBe(
      'day,app_id,provider,model,requests,errors,input_tokens,output_tokens,estimated_cost_usd',
    )
    expect(lines).toHaveLength(3)
    const today = new Date().toISOString().slice(0, 10)
    expect(lines[1]).toBe(
      `${today},test-app,openai,gpt-4o-mini,2,0,${2 * known.inputTokens},${2 * known.outputTokens},` +
        `${estimateCostUsd('openai', 'gpt-4o-mini', 2 * known.inputTokens, 2 * known.outputTokens)}`,
    )
    expect(lines[2]).toMatch(/,mock-model-x,1,0,\d+,5,$/)
  })

  it.each([
    ['from after to', '?from=2030-01-02&to=2030-01-01'],
    ['a bad date', '?from=2030-02-30'],
    ['an unknown format', '?format=xml'],
    ['a range over a year', '?from=2028-01-01&to=2030-01-01'],
  ])('refuses %s', async (_name, query) => {
    const { app, token } = await setup()
    const res = await app.inject({
      method: 'GET',
      url: `/usage${query}`,
      headers: { 'x-relay-token': token },
    })
    expectErrorShape(res, 400, 'validation_error')
  })

  it('honours from and to', async () => {
    const { app, token } = await usageApp()
    const res = await app.inject({
      method: 'GET',
      url: '/usage?from=2001-01-01&to=2001-01-31',
      headers: { 'x-relay-token': token },
    })
    expect(res.json()).toEqual({
      from: '2001-01-01',
      to: '2001-01-31',
      prices_as_of: expect.any(String),
      rows: [],
    })
  })
})
