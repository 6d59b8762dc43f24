import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { createTestDatabase } from '@byok/test-kit/postgres'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { openPostgresStore, openSqliteStore, type Store } from '../../src/index.js'
import { type MockProviders, startMockProviders } from '../../src/mock-providers/index.js'
import { buildTestApp, createClock, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import { NO_LIMITS } from '../upstream-server.js'

/**
 * Caps far from reached are spent from leases (blocks of allowance a relay takes from the store and spends
 * locally): through the relay routes, over a SQLite file and over Postgres, with two relays sharing the store
 * where that matters.
 */
let mocks: MockProviders
beforeAll(async () => {
  mocks = await startMockProviders({ expectedKey: null, chunks: 5, delayMs: 0 })
})
afterAll(() => mocks.close())

const CALL = {
  method: 'POST',
  url: '/relay/openai/v1/chat/completions',
  payload: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] }),
} as const
const DAY = Date.UTC(2030, 0, 1)

/** Each backend: a way to open the same store again (another relay, or a reader of its counters). */
const BACKENDS: { name: string; shared: (dir: string) => Promise<() => Promise<Store>> }[] = [
  { name: 'sqlite', shared: async (dir) => async () => openSqliteStore(join(dir, 'relay.db')) },
  {
    name: 'postgres',
    shared: async () => {
      const url = await createTestDatabase(inject('postgresUrl'), 'byok_migrated')
      return () => openPostgresStore(url)
    },
  },
]

async function relayOn(store: Store, clock = createClock()): Promise<FastifyInstance> {
  return buildTestApp({ ...mocks.env, ...NO_LIMITS, MAX_CONNECTIONS_PER_IP: '0' }, { store, now: clock.now })
}

async function putBudget(app: FastifyInstance, token: string, caps: Record<string, number>): Promise<string> {
  const res = await app.inject({
    method: 'PUT',
    url: '/budgets',
    headers: { 'x-relay-token': token },
    payload: { provider: 'openai', period: 'day', ...caps },
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ id: string }>().id
}

async function used(app: FastifyInstance, token: string) {
  const res = await app.inject({ method: 'GET', url: '/budgets', headers: { 'x-relay-token': token } })
  return res.json<{ budgets: { used: Record<string, number> }[] }>().budgets[0]!.used
}

async function fire(app: FastifyInstance, token: string, count: number): Promise<number> {
  const statuses = await Promise.all(
    Array.from({ length: count }, async () => {
      const res = await app.inject({
        ...CALL,
        headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      })
      expect([200, 429], res.body).toContain(res.statusCode)
      return res.statusCode
    }),
  )
  return statuses.filter((s) => s === 200).length
}

describe.each(BACKENDS)('budget leases ($name)', ({ shared }) => {
  it('spends a large cap from a lease: GET /budgets shows the exact use, closing gives the rest back', async () => {
    await withTempDir(async (dir) => {
      const open = await shared(dir)
      const app = await relayOn(await open())
      const token = await registerUser(app)
      await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
      const id = await putBudget(app, token, {
        max_requests: 64_000,
        max_input_tokens: 10_000_000,
        max_output_tokens: 10_000_000,
      })
      for (let i = 0; i < 3; i++)
        expect((await app.inject({ ...CALL, headers: { 'x-relay-token': token } })).statusCode).toBe(200)
      const usage = mocks.openai.exchanges.at(-1)!.response.usage!
      const exact = {
        requests: 3,
        input_tokens: 3 * usage.inputTokens,
        output_tokens: 3 * usage.outputTokens,
      }
      await vi.waitFor(async () => expect(await used(app, token)).toEqual(exact))

      const reader = await open()
      try {
        // The store holds the calls and the unspent part of a block taken for the next ones.
        expect((await reader.budgetCounters(id, DAY)).requests).toBeGreaterThan(3)
        await app.close()
        expect(await reader.budgetCounters(id, DAY)).toEqual({
          requests: 3,
          inputTokens: exact.input_tokens,
          outputTokens: exact.output_tokens,
        })
      } finally {
        await reader.close()
      }
      // A restarted relay starts from those counters.
      const again = await relayOn(await open())
      expect(await used(again, token)).toEqual(exact)
    })
  })

  it('admits exactly the cap from one relay, and at most the cap from two sharing the store', {
    timeout: 30_000,
  }, async () => {
    await withTempDir(async (dir) => {
      const open = await shared(dir)
      const first = await relayOn(await open())
      const token = await registerUser(first)
      await storeKey(first, token, 'openai', SAMPLE_KEYS.openai)
      // 64 requests: blocks of one call, so the leases run into the cap within the test.
      const id = await putBudget(first, token, { max_requests: 64 })
      const before = mocks.openai.exchanges.length
      expect(await fire(first, token, 80)).toBe(64)

      // A new day, two relays: together never past the cap, and the counters hold what they admitted.
      const clock = createClock(DAY + 86_400_000)
      const [a, b] = [await relayOn(await open(), clock), await relayOn(await open(), clock)]
      const admitted = (await Promise.all([fire(a, token, 48), fire(b, token, 48)])).reduce((x, y) => x + y)
      expect(admitted).toBeLessThanOrEqual(64)
      expect(admitted).toBeGreaterThan(0)
      expect(mocks.openai.exchanges.length - before).toBe(64 + admitted)
      await Promise.all([a.close(), b.close()])
      const reader = await open()
      try {
        expect((await reader.budgetCounters(id, DAY + 86_400_000)).requests).toBe(admitted)
      } finally {
        await reader.close()
      }
    })
  })
})
