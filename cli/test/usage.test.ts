import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { buildApp, estimateCostUsd, loadConfig } from '@byok/relay'
import { type MockProviders, startMockProviders } from '@byok/relay/mock-providers'
import { runByok, withTempDir } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'usage-command-secret-0123456789abcdef'
const OPENAI_KEY = 'sk-proj-UsageTestKey0123456789'
const ANTHROPIC_KEY = 'sk-ant-api03-UsageTestKey0123456789'

let mocks: MockProviders
beforeAll(async () => {
  mocks = await startMockProviders({ expectedKey: null, chunks: 4, delayMs: 0 })
})
afterAll(() => mocks.close())

interface Seeded {
  dbPath: string
  tokens: string[]
  /** What the mocks reported, per app. */
  expected: Record<
    string,
    { requests: number; input: number; output: number; cost: number; unpriced: number }
  >
}

/** A relay database with calls from two apps, written by the real relay against the mock providers. */
async function seed(dir: string): Promise<Seeded> {
  const dbPath = join(dir, 'data', 'relay.db')
  const app = await buildApp(
    loadConfig({
      ENCRYPTION_SECRET: SECRET,
      DB_PATH: dbPath,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: '0',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
      ...mocks.env,
    }),
  )
  const expected: Seeded['expected'] = {}
  const tokens: string[] = []
  try {
    const calls = [
      {
        appId: 'chat-app',
        provider: 'openai',
        key: OPENAI_KEY,
        path: '/v1/chat/completions',
        model: 'gpt-4o-mini',
      },
      {
        appId: 'chat-app',
        provider: 'openai',
        key: OPENAI_KEY,
        path: '/v1/chat/completions',
        model: 'gpt-4o-mini',
      },
      {
        appId: 'chat-app',
        provider: 'openai',
        key: OPENAI_KEY,
        path: '/v1/chat/completions',
        model: 'mock-x',
      },
      {
        appId: 'notes-app',
        provider: 'anthropic',
        key: ANTHROPIC_KEY,
        path: '/v1/messages',
        model: 'claude-sonnet-4-5',
      },
    ] as const
    const tokenOf = new Map<string, string>()
    for (const call of calls) {
      let token = tokenOf.get(call.appId)
      if (!token) {
        const res = await app.inject({ method: 'POST', url: '/users', payload: { app_id: call.appId } })
        token = res.json<{ token: string }>().token
        tokenOf.set(call.appId, token)
        tokens.push(token)
      }
      const stored = await app.inject({
        method: 'POST',
        url: `/keys/${call.provider}`,
        headers: { 'x-relay-token': token },
        payload: { key: call.key },
      })
      expect(stored.statusCode, stored.body).toBe(200)
      const res = await app.inject({
        method: 'POST',
        url: `/relay/${call.provider}${call.path}`,
        headers: { 'x-relay-token': token, 'content-type': 'application/json' },
        payload: JSON.stringify({
          model: call.model,
          max_tokens: 32,
          stream: call.provider === 'anthropic',
          messages: [{ role: 'user', content: 'secret prompt text' }],
        }),
      })
      expect(res.statusCode, res.body).toBe(200)
      const usage = mocks[call.provider].exchanges.at(-1)!.response.usage!
      expected[call.appId] ??= { requests: 0, input: 0, output: 0, cost: 0, unpriced: 0 }
      const e = expected[call.appId]!
      e.requests++
      e.input += usage.inputTokens
      e.output += usage.outputTokens
      const cost = estimateCostUsd(call.provider, usage.model, usage.inputTokens, usage.outputTokens)
      if (cost === null) e.unpriced++
      else e.cost += cost
    }
  } finally {
    await app.close()
  }
  return { dbPath, tokens, expected }
}

describe('byok usage', () => {
  it('prints a per-app summary as JSON, from the database the relay wrote', async () => {
    await withTempDir(async (dir) => {
      const { dbPath, expected } = await seed(dir)
      const { code, stdout, stderr } = await runByok(['usage', '--json'], {
        cwd: dir,
        env: { DB_PATH: dbPath },
      })
      expect(code, stderr).toBe(0)
      const report = JSON.parse(stdout)
      const today = new Date().toISOString().slice(0, 10)
      expect(report).toMatchObject({ to: today, prices_as_of: expect.any(String) })
      expect(report.apps.map((a: { app_id: string }) => a.app_id)).toEqual(['chat-app', 'notes-app'])
      for (const app of report.apps) {
        const e = expected[app.app_id]!
        expect(app).toEqual({
          app_id: app.app_id,
          requests: e.requests,
          errors: 0,
          input_tokens: e.input,
          output_tokens: e.output,
          estimated_cost_usd: expect.closeTo(e.cost, 6),
          unpriced_requests: e.unpriced,
        })
      }
      expect(report.apps[0].unpriced_requests).toBe(1)
      expect(report.apps[1].estimated_cost_usd).toBeGreaterThan(0)
      expect(report.totals.requests).toBe(4)
      // A stopped database is left as it was found: no -wal/-shm beside it.
      expect(existsSync(`${dbPath}-wal`)).toBe(false)
    })
  })

  it('prints a table, filters by app and period, and never prints keys, tokens or prompts', async () => {
    await withTempDir(async (dir) => {
      const { dbPath, tokens } = await seed(dir)
      const table = await runByok(['usage', '--db-path', dbPath], { cwd: dir })
      expect(table.code, table.stderr).toBe(0)
      const lines = table.stdout.trimEnd().split('\n')
      expect(lines[0]).toMatch(/^usage \d{4}-\d{2}-\d{2} \.\. \d{4}-\d{2}-\d{2} \(UTC\)/)
      expect(lines[1]).toMatch(/^app\s+requests\s+errors\s+input tokens\s+output tokens\s+est\. cost \(USD\)/)
      expect(lines[2]).toMatch(/^chat-app\s+3\s+0\s/)
      expect(lines[3]).toMatch(/^notes-app\s+1\s+0\s/)
      expect(lines[4]).toMatch(/^total\s+4\s+0\s/)
      for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, SECRET, 'secret prompt text', ...tokens]) {
        expect(table.stdout + table.stderr).not.toContain(secret)
      }

      const one = await runByok(['usage', '--db-path', dbPath, '--app', 'notes-app', '--json'], { cwd: dir })
      expect(JSON.parse(one.stdout).apps.map((a: { app_id: string }) => a.app_id)).toEqual(['notes-app'])
      const past = await runByok(
        ['usage', '--db-path', dbPath, '--from', '2001-01-01', '--to', '2001-01-31'],
        {
          cwd: dir,
        },
      )
      expect(past.stdout).toContain('no relay calls in this period')
    })
  })

  it('fails with one line for a missing database or a bad date', async () => {
    await withTempDir(async (dir) => {
      const missing = await runByok(['usage', '--db-path', join(dir, 'nope.db')], { cwd: dir })
      expect(missing.code).toBe(1)
      expect(missing.stderr).toMatch(/^byok: no database at .*nope\.db$/m)
      const bad = await runByok(['usage', '--db-path', join(dir, 'nope.db'), '--from', '2030-02-30'], {
        cwd: dir,
      })
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain('--from must be a date as YYYY-MM-DD')
    })
  })
})
