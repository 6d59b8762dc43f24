import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { withTempDir } from '@byok/test-kit'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/errors.js'
import { loadConfig } from '../../src/index.js'
import { type MockProviders, startMockProviders } from '../../src/mock-providers/index.js'
import {
  buildTestApp,
  createClock,
  expectErrorShape,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
  TEST_SECRET,
  testEnv,
} from '../helpers.js'
import { NO_LIMITS } from '../upstream-server.js'

// The operator's side of issue 21: budgets per app (APP_BUDGETS_FILE), counted per user on top of the user's
// own, and prices that override or extend the built-in table (PRICES_FILE).

let mocks: MockProviders
beforeAll(async () => {
  mocks = await startMockProviders({ expectedKey: null, chunks: 3, delayMs: 0 })
})
afterAll(() => mocks.close())

async function userOf(app: FastifyInstance, appId: string): Promise<string> {
  const token = await registerUser(app, appId)
  await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
  return token
}

const chat = (app: FastifyInstance, token: string, model = 'gpt-4o-mini') =>
  app.inject({
    method: 'POST',
    url: '/relay/openai/v1/chat/completions',
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello' }] }),
  })

function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, JSON.stringify(value))
  return path
}

describe('APP_BUDGETS_FILE: budgets the operator sets per app', () => {
  it('caps each user of the app, names the operator budget when it refuses, and leaves other apps alone', async () => {
    await withTempDir(async (dir) => {
      const file = writeJson(dir, 'budgets.json', [
        { app_id: 'capped-app', period: 'month', max_requests: 2 },
        { app_id: 'capped-app', provider: 'anthropic', period: 'day', max_output_tokens: 10 },
      ])
      const clock = createClock()
      const app = await buildTestApp(
        { ...mocks.env, ...NO_LIMITS, APP_BUDGETS_FILE: file },
        { now: clock.now },
      )
      const alice = await userOf(app, 'capped-app')
      const bob = await userOf(app, 'capped-app')
      const elsewhere = await userOf(app, 'other-app')

      expect((await chat(app, alice)).statusCode).toBe(200)
      expect((await chat(app, alice)).statusCode).toBe(200)
      const refused = await chat(app, alice)
      expectErrorShape(refused, 429, 'budget_exceeded')
      expect(refused.json().error).toBe(
        'App budget app:capped-app:*:month (set by the relay operator) exceeded: 2 of 2 requests per month for ' +
          'all providers used; it resets at 2030-02-01T00:00:00.000Z',
      )
      expect(refused.json().hint).toMatch(/relay operator/)
      expect(Number(refused.headers['retry-after'])).toBe(31 * 86_400)
      // The user's own budgets are theirs alone: the operator's do not show in GET /budgets.
      const own = await app.inject({ method: 'GET', url: '/budgets', headers: { 'x-relay-token': alice } })
      expect(own.json()).toEqual({ budgets: [] })

      // Counted per user: another user of the same app has the whole cap; another app has none.
      expect((await chat(app, bob)).statusCode).toBe(200)
      for (let i = 0; i < 3; i++) expect((await chat(app, elsewhere)).statusCode).toBe(200)

      // Next month the counters start again.
      clock.advance(31 * 86_400_000)
      expect((await chat(app, alice)).statusCode).toBe(200)
    })
  })

  it('applies on top of the user’s own budget: the lower cap refuses first', async () => {
    await withTempDir(async (dir) => {
      const file = writeJson(dir, 'budgets.json', [{ app_id: 'capped-app', period: 'day', max_requests: 5 }])
      const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS, APP_BUDGETS_FILE: file })
      const token = await userOf(app, 'capped-app')
      const put = await app.inject({
        method: 'PUT',
        url: '/budgets',
        headers: { 'x-relay-token': token },
        payload: { period: 'day', max_requests: 1 },
      })
      expect(put.statusCode, put.body).toBe(200)
      expect((await chat(app, token)).statusCode).toBe(200)
      const refused = await chat(app, token)
      expectErrorShape(refused, 429, 'budget_exceeded')
      expect(refused.json().error).toMatch(/^Budget bgt_\S+ exceeded: 1 of 1 requests per day/)
    })
  })
})

describe('PRICES_FILE: the operator’s price table', () => {
  it('changes the estimated cost in GET /usage, and prices a model the built-in table does not list', async () => {
    await withTempDir(async (dir) => {
      const prices = writeJson(dir, 'prices.json', [
        { provider: 'openai', model: 'gpt-4o-mini', input_per_mtok: 1_000_000, output_per_mtok: 0 },
        { provider: 'openai', model: 'mock-model-x', input_per_mtok: 0, output_per_mtok: 1_000_000 },
      ])
      const app = await buildTestApp({ ...mocks.env, ...NO_LIMITS, PRICES_FILE: prices })
      const token = await userOf(app, 'priced-app')
      expect((await chat(app, token)).statusCode).toBe(200)
      const known = mocks.openai.exchanges.at(-1)!.response.usage!
      expect((await chat(app, token, 'mock-model-x')).statusCode).toBe(200)
      const unlisted = mocks.openai.exchanges.at(-1)!.response.usage!
      const res = await app.inject({ method: 'GET', url: '/usage', headers: { 'x-relay-token': token } })
      expect(res.statusCode, res.body).toBe(200)
      const cost = Object.fromEntries(
        res
          .json<{ rows: { model: string; estimated_cost_usd: number | null }[] }>()
          .rows.map((r) => [r.model, r.estimated_cost_usd]),
      )
      // $1 per input token, and $1 per output token: the estimate is the token count.
      expect(known.inputTokens).toBeGreaterThan(0)
      expect(cost).toEqual({ 'gpt-4o-mini': known.inputTokens, 'mock-model-x': unlisted.outputTokens })
    })
  })
})

describe('invalid files stop start-up with one line naming the entry', () => {
  const cases: [string, string, unknown, string][] = [
    [
      'APP_BUDGETS_FILE',
      'budgets.json',
      [
        { app_id: 'a', period: 'month', max_requests: 1 },
        { app_id: 'b', period: 'week', max_requests: 1 },
      ],
      'APP_BUDGETS_FILE: entry 2 (app "b"): period must be "day" or "month" (got "week")',
    ],
    [
      'APP_BUDGETS_FILE',
      'budgets.json',
      [{ app_id: 'a', period: 'day' }],
      'APP_BUDGETS_FILE: entry 1 (app "a"): needs at least one of max_requests, max_input_tokens, max_output_tokens',
    ],
    [
      'PRICES_FILE',
      'prices.json',
      [{ provider: 'openai', model: 'gpt-x', input_per_mtok: '2', output_per_mtok: 1 }],
      'PRICES_FILE: entry 1 (model "gpt-x"): input_per_mtok must be a price in USD per million tokens, 0 to 1000000',
    ],
    [
      'PRICES_FILE',
      'prices.json',
      [{ provider: 'nope', model: 'm', input_per_mtok: 1, output_per_mtok: 1 }],
      'PRICES_FILE: entry 1 (model "m"): provider must be a provider id (got "nope")',
    ],
    [
      'PRICES_FILE',
      'prices.json',
      { provider: 'openai' },
      'PRICES_FILE: <dir>/prices.json must hold a JSON array of prices',
    ],
  ]
  it.each(cases)('%s: %s', async (variable, name, content, message) => {
    await withTempDir(async (dir) => {
      const path = writeJson(dir, name, content)
      let error: unknown
      try {
        loadConfig(testEnv({ [variable]: path }))
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).message).toBe(message.replace('<dir>', dir))
    })
  })

  it('a missing file is named too', () => {
    expect(() => loadConfig(testEnv({ PRICES_FILE: '/nonexistent/prices.json' }))).toThrow(
      'PRICES_FILE: cannot read /nonexistent/prices.json (ENOENT)',
    )
  })

  it('the byok-relay bin exits 1 after printing that one line', async () => {
    await withTempDir(async (dir) => {
      const path = writeJson(dir, 'budgets.json', [{ app_id: 'a', period: 'month', max_requests: -1 }])
      const bin = fileURLToPath(new URL('../../src/bin/byok-relay.ts', import.meta.url))
      const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(
          process.execPath,
          ['--import', import.meta.resolve('tsx'), bin],
          {
            cwd: dir,
            env: { PATH: process.env.PATH, ENCRYPTION_SECRET: TEST_SECRET, APP_BUDGETS_FILE: path },
            timeout: 20_000,
          },
          (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
        )
      })
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        'byok-relay: invalid configuration: APP_BUDGETS_FILE: entry 1 (app "a"): max_requests must be a whole ' +
          'number from 0 to 1000000000000 or null\n',
      )
    })
    // Compiling the bin under tsx takes seconds on a busy machine; the child's own timeout is 20 s.
  }, 30_000)
})
