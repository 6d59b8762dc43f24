import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { createKeyring } from '../src/crypto/envelope.js'
import { buildApp, ConfigError, loadConfig, openSqliteStore, RelayError } from '../src/index.js'
import { createVault } from '../src/services/vault.js'
import { MIGRATIONS } from '../src/store/migrations.js'
import {
  buildTestApp,
  expectErrorShape,
  OTHER_SECRET,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
  TEST_SECRET,
  testEnv,
} from './helpers.js'

const KEY_A = SAMPLE_KEYS.openai
const KEY_B = 'sk-proj-SecondUsersKey000000000B0B'
const LATEST = MIGRATIONS.at(-1)!.version

/** The main database file plus its WAL, as raw bytes: what a stolen disk or backup would hold. */
function rawBytes(dbPath: string): Buffer {
  return Buffer.concat([dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p)))
}

/** Two users with an openai key each; the app is closed before returning. */
async function seed(dbPath: string, env: Record<string, string> = {}) {
  const app = await buildTestApp({ DB_PATH: dbPath, ...env })
  const tokenA = await registerUser(app)
  const tokenB = await registerUser(app)
  await storeKey(app, tokenA, 'openai', KEY_A)
  await storeKey(app, tokenB, 'openai', KEY_B)
  await app.close()
  const db = new Database(dbPath, { readonly: true })
  const userOf = (key: string) =>
    (db.prepare('SELECT user_id FROM keys WHERE hint = ?').get(`…${key.slice(-4)}`) as { user_id: string })
      .user_id
  const ids = { userA: userOf(KEY_A), userB: userOf(KEY_B) }
  db.close()
  return { tokenA, tokenB, ...ids }
}

function vaultFor(dbPath: string, secret: string, previous?: string) {
  const store = openSqliteStore(dbPath)
  return { store, vault: createVault({ store, keyring: createKeyring(secret, previous), now: Date.now }) }
}

function listKeys(app: FastifyInstance, token: string) {
  return app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
}

describe('storage at rest', () => {
  it('never writes keys, tokens or the secret to the database files', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const app = await buildTestApp({ DB_PATH: dbPath })
      const token = await registerUser(app)
      const keys = [SAMPLE_KEYS.openai, SAMPLE_KEYS.anthropic, SAMPLE_KEYS['openai-compatible']]
      await storeKey(app, token, 'openai', keys[0]!)
      await storeKey(app, token, 'anthropic', keys[1]!)
      await storeKey(app, token, 'openai-compatible', keys[2]!, { base_url: 'https://llm.example.com' })
      const needles = [TEST_SECRET, token, token.slice('byok_rt_'.length)].concat(
        keys.flatMap((k) => [k, Buffer.from(k).toString('base64'), Buffer.from(k).toString('hex')]),
      )
      const whileOpen = rawBytes(dbPath)
      await app.close()
      const afterClose = rawBytes(dbPath)
      expect(afterClose.includes('llm.example.com')).toBe(true) // the search does find plain data
      for (const bytes of [whileOpen, afterClose]) {
        for (const needle of needles) expect(bytes.includes(needle), needle).toBe(false)
      }
    })
  })

  it('uses WAL and leaves no ciphertext behind when a key is deleted', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const app = await buildTestApp({ DB_PATH: dbPath })
      const token = await registerUser(app)
      await storeKey(app, token, 'openai', KEY_A)
      const reader = new Database(dbPath, { readonly: true })
      const { sealed } = reader.prepare('SELECT sealed FROM keys').get() as { sealed: Buffer }
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal')
      reader.close()
      expect(sealed.length).toBeGreaterThan(28)
      await app.inject({ method: 'DELETE', url: '/keys/openai', headers: { 'x-relay-token': token } })
      await app.close()
      expect(rawBytes(dbPath).includes(sealed)).toBe(false)
    })
  })
})

describe('ciphertexts are bound to their row', () => {
  it.each([
    ['another user', 'userB', 'openai'],
    ['another provider of the same user', 'userA', 'groq'],
  ] as const)('a sealed key copied to %s fails with key_unreadable', async (_label, target, provider) => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const ids = await seed(dbPath)
      const db = new Database(dbPath)
      db.prepare(
        `INSERT INTO keys (user_id, provider, key_version, sealed, hint, base_url, created_at, updated_at)
         SELECT ?, ?, key_version, sealed, hint, base_url, created_at, updated_at FROM keys WHERE user_id = ?
         ON CONFLICT (user_id, provider) DO UPDATE SET sealed = excluded.sealed, key_version = excluded.key_version`,
      ).run(ids[target], provider, ids.userA)
      db.close()

      const { store, vault } = vaultFor(dbPath, TEST_SECRET)
      try {
        expect((await vault.read(ids.userA, 'openai')).key).toBe(KEY_A)
        const error = await vault.read(ids[target], provider).catch((e: unknown) => e)
        expect(error).toBeInstanceOf(RelayError)
        expect((error as RelayError).code).toBe('key_unreadable')
        expect((error as RelayError).statusCode).toBe(500)
        expect(JSON.stringify((error as RelayError).toBody())).not.toContain(KEY_A)
      } finally {
        await store.close()
      }
    })
  })
})

describe('restarts and secret rotation', () => {
  it('decrypts keys and accepts tokens after a restart with the same secret', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const ids = await seed(dbPath)
      const { store, vault } = vaultFor(dbPath, TEST_SECRET)
      const app = await buildTestApp({ DB_PATH: dbPath }, { store })
      expect((await listKeys(app, ids.tokenA)).json()).toMatchObject({ providers: ['openai'] })
      expect((await vault.read(ids.userA, 'openai')).key).toBe(KEY_A)
      expect((await vault.read(ids.userB, 'openai')).key).toBe(KEY_B)
      await app.close()
    })
  })

  it('refuses to start with a different ENCRYPTION_SECRET, naming the variable but no secret', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      await seed(dbPath)
      const config = loadConfig(testEnv({ DB_PATH: dbPath, ENCRYPTION_SECRET: OTHER_SECRET }))
      const error = await buildApp(config).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as ConfigError).variable).toBe('ENCRYPTION_SECRET')
      expect((error as ConfigError).message).toContain('ENCRYPTION_SECRET_PREVIOUS')
      for (const secret of [TEST_SECRET, OTHER_SECRET])
        expect((error as ConfigError).message).not.toContain(secret)
    })
  })

  it('rotates with ENCRYPTION_SECRET_PREVIOUS: old keys decrypt, re-stored keys use the new secret', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const TOKEN_HMAC_SECRET = 'h'.repeat(40)
      const ids = await seed(dbPath, { TOKEN_HMAC_SECRET })
      const rotating = { DB_PATH: dbPath, TOKEN_HMAC_SECRET, ENCRYPTION_SECRET: OTHER_SECRET }
      const { store, vault } = vaultFor(dbPath, OTHER_SECRET, TEST_SECRET)
      const app = await buildTestApp({ ...rotating, ENCRYPTION_SECRET_PREVIOUS: TEST_SECRET }, { store })
      expect((await listKeys(app, ids.tokenA)).json()).toMatchObject({ providers: ['openai'] }) // tokens survive: their HMAC secret did not change
      expect((await vault.read(ids.userA, 'openai')).key).toBe(KEY_A)
      await storeKey(app, ids.tokenA, 'openai', KEY_A)
      await storeKey(app, ids.tokenB, 'openai', KEY_B)
      await app.close()

      // Every row is now sealed with the new secret, so the previous one can be dropped.
      const after = await buildTestApp(rotating)
      expect((await listKeys(after, ids.tokenB)).json()).toMatchObject({ providers: ['openai'] })
      const reopened = vaultFor(dbPath, OTHER_SECRET)
      expect((await reopened.vault.read(ids.userB, 'openai')).key).toBe(KEY_B)
      await reopened.store.close()
      await after.close()
    })
  })

  it('logs every user out when ENCRYPTION_SECRET rotates without a TOKEN_HMAC_SECRET (documented)', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const ids = await seed(dbPath)
      const env = {
        DB_PATH: dbPath,
        ENCRYPTION_SECRET: OTHER_SECRET,
        ENCRYPTION_SECRET_PREVIOUS: TEST_SECRET,
      }
      const app = await buildTestApp(env)
      expectErrorShape(await listKeys(app, ids.tokenA), 401, 'token_invalid')
      await app.close()
    })
  })
})

describe('schema migrations', () => {
  it('brings a new database to the latest user_version', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const app = await buildTestApp({ DB_PATH: dbPath })
      await app.close()
      const db = new Database(dbPath, { readonly: true })
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST)
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string
      }[]
      expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['keys', 'tokens', 'users']))
      db.close()
    })
  })

  it('migrates a database from the first schema forward, keeping its rows', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const db = new Database(dbPath)
      db.exec(MIGRATIONS[0]!.sqlite)
      db.pragma(`user_version = ${MIGRATIONS[0]!.version}`)
      db.prepare('INSERT INTO users (id, app_id, created_at) VALUES (?, ?, ?)').run('u-old', 'old-app', 1)
      db.close()
      const app = await buildTestApp({ DB_PATH: dbPath })
      await app.close()
      const check = new Database(dbPath, { readonly: true })
      expect(check.pragma('user_version', { simple: true })).toBe(LATEST)
      expect(check.prepare('SELECT id, app_id FROM users').all()).toEqual([
        { id: 'u-old', app_id: 'old-app' },
      ])
      check.close()
    })
  })

  it('lists versions in increasing order; gaps are allowed (parallel branches reserve numbers)', () => {
    const versions = MIGRATIONS.map((m) => m.version)
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!)
  })

  it('reads the request log of a pre-budget database read-only (byok usage on a relay not yet upgraded)', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const db = new Database(dbPath)
      for (const m of MIGRATIONS.filter((m) => m.version <= 2)) db.exec(m.sqlite)
      db.pragma('user_version = 2')
      db.prepare(
        `INSERT INTO request_log (at, user_id, app_id, provider, model, status, latency_ms, input_tokens, output_tokens)
         VALUES (?, 'u', 'old-app', 'openai', 'gpt-4o', 200, 5, 7, 3)`,
      ).run(Date.UTC(2030, 0, 1, 12))
      db.close()
      const store = openSqliteStore(dbPath, { readOnly: true })
      try {
        expect(await store.dailyUsage({ from: Date.UTC(2030, 0, 1), to: Date.UTC(2030, 0, 2) })).toEqual([
          {
            appId: 'old-app',
            provider: 'openai',
            model: 'gpt-4o',
            day: '2030-01-01',
            requests: 1,
            errors: 0,
            inputTokens: 7,
            outputTokens: 3,
          },
        ])
        await expect(store.listBudgets('u')).rejects.toThrow(/no such table: budgets/)
      } finally {
        await store.close()
      }
    })
  })

  it('refuses a database written by a newer relay and leaves it untouched', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const db = new Database(dbPath)
      db.pragma(`user_version = ${LATEST + 1}`)
      db.close()
      await expect(buildApp(loadConfig(testEnv({ DB_PATH: dbPath })))).rejects.toThrow(
        /newer than this relay/,
      )
      const check = new Database(dbPath, { readonly: true })
      expect(check.pragma('user_version', { simple: true })).toBe(LATEST + 1)
      expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({
        n: 0,
      })
      check.close()
    })
  })
})
