import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { openPostgresStore, openSqliteStore, type Store } from '@byok/relay'
import { closedPortOrigin, runByok, withTempDir } from '@byok/test-kit'
import {
  createTestDatabase,
  startTestPostgres,
  type TestPostgres,
  withPgClient,
} from '@byok/test-kit/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createKeyring } from '../../relay/src/crypto/envelope.js'
import { createVault } from '../../relay/src/services/vault.js'
import type { CliIo } from '../src/io.js'
import { runCli } from '../src/run-cli.js'

const SECRET = 'migrate-test-secret-0123456789abcdef'
const KEY = 'sk-proj-MigrateMe000000000000000001'
const T0 = Date.UTC(2030, 0, 1, 12)

/** `byok <args>` in this process (the success path runs the real bin; refusals need no process). */
async function runInProcess(args: string[], cwd: string, env: Record<string, string> = {}) {
  const stdout: string[] = []
  const stderr: string[] = []
  const io: CliIo = {
    env,
    cwd,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    waitForShutdown: () => new Promise(() => {}),
  }
  const code = await runCli(args, io)
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') }
}

let server: TestPostgres
beforeAll(async () => {
  server = await startTestPostgres()
}, 90_000)
afterAll(() => server?.stop())

/** A SQLite relay database with a row in every table; returns what to look for afterwards. */
async function seed(dbPath: string) {
  const store = openSqliteStore(dbPath)
  try {
    const user = { id: randomUUID(), appId: 'migrate-app', createdAt: T0 }
    const hash = randomBytes(32)
    await store.createUser(user, { hash, createdAt: T0, expiresAt: null })
    await store.issueExternalUserToken(
      { appId: 'migrate-app', externalUserId: 'acct-1' },
      { id: randomUUID(), appId: 'migrate-app', createdAt: T0 },
      {
        hash: randomBytes(32),
        createdAt: T0,
        expiresAt: null,
        scope: { providers: ['openai'], models: null, origins: null },
      },
    )
    await createVault({ store, keyring: createKeyring(SECRET), now: () => T0 }).put(
      user.id,
      'openai',
      KEY,
      null,
    )
    const budget = await store.putBudget({
      id: randomUUID(),
      userId: user.id,
      provider: '*',
      period: 'day',
      maxRequests: 10,
      maxInputTokens: null,
      maxOutputTokens: null,
      createdAt: T0,
      updatedAt: T0,
    })
    await store.reserveBudgets([budget], [T0], { inputTokens: 5, outputTokens: 0 })
    // An operator's app cap (APP_BUDGETS_FILE): its counters are per user.
    const appCap = { ...budget, id: 'app-cap', appId: 'migrate-app' }
    await store.reserveBudgets([appCap], [T0], { inputTokens: 2, outputTokens: 0 })
    for (let i = 0; i < 3; i++) {
      await store.logRequest({
        at: T0 + i,
        userId: user.id,
        appId: 'migrate-app',
        provider: 'openai',
        model: 'gpt-4o',
        status: 200,
        latencyMs: 5,
        inputTokens: 1,
        outputTokens: 2,
      })
    }
    return { user, hash, budget, sealed: (await store.getKey(user.id, 'openai'))!.sealed }
  } finally {
    await store.close()
  }
}

async function withStore<T>(url: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openPostgresStore(url)
  try {
    return await fn(store)
  } finally {
    await store.close()
  }
}

describe('byok migrate', () => {
  it('copies every table with sealed keys byte for byte, verifies counts, and copies nothing on a second run', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const seeded = await seed(dbPath)
      const url = await createTestDatabase(server.url)

      const first = await runByok(['migrate', '--from', 'sqlite:./relay.db', '--to', url], { cwd: dir })
      expect(first.code, first.stderr).toBe(0)
      for (const line of [
        'users: 2 in SQLite, 2 copied, 2 present in Postgres',
        'external_users: 1 in SQLite, 1 copied, 1 present in Postgres',
        'tokens: 2 in SQLite, 2 copied, 2 present in Postgres',
        'keys: 1 in SQLite, 1 copied, 1 present in Postgres',
        'budgets: 1 in SQLite, 1 copied, 1 present in Postgres',
        'budget_usage: 1 in SQLite, 1 copied, 1 present in Postgres',
        'app_budget_usage: 1 in SQLite, 1 copied, 1 present in Postgres',
        'request_log: 3 in SQLite, 3 copied, 3 present in Postgres',
        'copied 12 rows; every row of the SQLite database is in Postgres',
      ]) {
        expect(first.stdout).toContain(line)
      }
      expect(first.stderr).toMatch(/byok: request_log 3\/3 100%/)
      expect(`${first.stdout}${first.stderr}`).not.toContain(KEY)
      expect(`${first.stdout}${first.stderr}`).not.toContain(new URL(url).password)

      await withStore(url, async (store) => {
        const row = await store.getKey(seeded.user.id, 'openai')
        expect(row?.sealed.equals(seeded.sealed)).toBe(true)
        const vault = createVault({ store, keyring: createKeyring(SECRET), now: () => T0 })
        expect((await vault.read(seeded.user.id, 'openai')).key).toBe(KEY)
        expect((await store.findToken(seeded.hash))?.userId).toBe(seeded.user.id)
        expect(await store.budgetCounters(seeded.budget.id, T0)).toEqual({
          requests: 1,
          inputTokens: 5,
          outputTokens: 0,
        })
        expect(await store.usage({ userId: seeded.user.id }, T0 + 10)).toMatchObject({
          requests: 3,
          outputTokens: 6,
        })
        // The identity continues after the copied ids: a new log row gets a fresh one.
        await store.logRequest({
          at: T0 + 5,
          userId: seeded.user.id,
          appId: 'migrate-app',
          provider: 'openai',
          model: null,
          status: 200,
          latencyMs: 1,
          inputTokens: null,
          outputTokens: null,
        })
        expect((await store.usage({ userId: seeded.user.id }, T0 + 10)).requests).toBe(4)
      })

      const again = await runByok(['migrate', '--from', `sqlite:${dbPath}`, '--to', url], { cwd: dir })
      expect(again.code, again.stderr).toBe(0)
      expect(again.stdout).toContain('users: 2 in SQLite, 0 copied, 2 present in Postgres')
      expect(again.stdout).toContain('nothing new to copy: every row is already in Postgres')
    })
  }, 120_000)

  it('refuses a Postgres whose schema is newer, writing nothing', async () => {
    await withTempDir(async (dir) => {
      await seed(join(dir, 'relay.db'))
      const url = await createTestDatabase(server.url)
      await withPgClient(url, async (client) => {
        await client.query(
          'CREATE TABLE byok_schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
        )
        await client.query('INSERT INTO byok_schema_version VALUES (999, 0)')
        const result = await runInProcess(['migrate', '--to', url], dir, { DB_PATH: './relay.db' })
        expect(result.code).toBe(1)
        expect(result.stderr).toMatch(/refusing to copy: database schema version 999 is newer/)
        const { rows } = await client.query(`SELECT to_regclass('users')::text AS t`)
        expect(rows).toEqual([{ t: null }])
      })
    })
  })

  it.each([
    [
      ['--to', 'mysql://root:pw-mysql-9@db/x'],
      /--to must be a postgres:\/\/.*\(got a mysql:\/\/ URL\)/,
      'pw-mysql-9',
    ],
    [['--from', 'postgres://a@b/c', '--to', 'postgres://a@b/c'], /--from must be sqlite:/, undefined],
    [
      ['--from', 'sqlite:./missing.db', '--to', 'postgres://a@127.0.0.1/c'],
      /no database at .*missing\.db/,
      undefined,
    ],
    [[], /no target: pass --to/, undefined],
  ])('fails clearly: %j', async (args, message, secret) => {
    await withTempDir(async (dir) => {
      const result = await runInProcess(['migrate', ...args], dir)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(message)
      if (secret) expect(result.stderr).not.toContain(secret)
    })
  })

  it('names an unreachable Postgres in one line, without its password', async () => {
    await withTempDir(async (dir) => {
      await seed(join(dir, 'relay.db'))
      const port = new URL(await closedPortOrigin()).port
      const result = await runInProcess(
        ['migrate', '--from', 'sqlite:relay.db', '--to', `postgres://byok:pw-down-7@127.0.0.1:${port}/byok`],
        dir,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(`cannot reach Postgres at 127.0.0.1:${port}/byok`)
      expect(result.stderr).not.toContain('pw-down-7')
    })
  })
})
