import { execFile } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { closedPortOrigin, withTempDir } from '@byok/test-kit'
import { createTestDatabase, startTestPostgres, withPgClient } from '@byok/test-kit/postgres'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { createKeyring } from '../src/crypto/envelope.js'
import {
  buildApp,
  loadConfig,
  openPostgresStore,
  openSqliteStore,
  type Store,
  StoreUnavailableError,
} from '../src/index.js'
import { capBudgetId, capRecord } from '../src/services/token-caps.js'
import { createVault } from '../src/services/vault.js'
import { MIGRATIONS } from '../src/store/migrations.js'
import type { BudgetRecord, ConnectCodeRecord, NewToken, TokenCap } from '../src/store/types.js'
import { buildTestApp, DAY_MS, registerUser, SAMPLE_KEYS, storeKey, TEST_SECRET, testEnv } from './helpers.js'

/**
 * One contract, two stores: every test here runs against in-memory SQLite and against a fresh database on the
 * run's embedded Postgres (test/support/postgres-global-setup.ts).
 */
const STORES: { name: string; open: () => Promise<Store> }[] = [
  { name: 'sqlite', open: async () => openSqliteStore(':memory:') },
  {
    name: 'postgres',
    open: async () => openPostgresStore(await createTestDatabase(inject('postgresUrl'), 'byok_migrated')),
  },
]

const T0 = Date.UTC(2030, 0, 1, 12)
const keyring = createKeyring(TEST_SECRET)

function newToken(extra: Partial<NewToken> = {}): NewToken {
  return { hash: randomBytes(32), createdAt: T0, expiresAt: null, ...extra }
}

function newUser(appId = 'suite-app') {
  return { id: randomUUID(), appId, createdAt: T0 }
}

function budget(userId: string, extra: Partial<BudgetRecord> = {}): BudgetRecord {
  return {
    id: randomUUID(),
    userId,
    provider: '*',
    period: 'day',
    maxRequests: null,
    maxInputTokens: null,
    maxOutputTokens: null,
    createdAt: T0,
    updatedAt: T0,
    ...extra,
  }
}

describe.each(STORES)('$name store', ({ open }) => {
  const opened: Store[] = []
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
  })
  async function openStore(): Promise<Store> {
    const store = await open()
    opened.push(store)
    return store
  }

  it('creates users with tokens, lists live ones oldest first, revokes by digest and by id', async () => {
    const store = await openStore()
    const user = newUser()
    const first = newToken({ id: 'a-first' })
    await store.createUser(user, first)
    const expiring = newToken({ id: 'b-expiring', createdAt: T0 + 1, expiresAt: T0 + DAY_MS })
    const scoped = newToken({
      id: 'c-scoped',
      createdAt: T0 + 2,
      scope: { providers: ['openai'], models: ['gpt-*'], origins: null },
    })
    expect(await store.createToken(user.id, expiring)).toBe(true)
    expect(await store.createToken(user.id, scoped)).toBe(true)
    expect(await store.createToken('no-such-user', newToken())).toBe(false)

    expect(await store.findToken(first.hash)).toEqual({
      hash: first.hash,
      id: 'a-first',
      userId: user.id,
      appId: 'suite-app',
      createdAt: T0,
      expiresAt: null,
      revokedAt: null,
      scope: null,
    })
    expect((await store.findToken(scoped.hash))?.scope).toEqual(scoped.scope)
    expect((await store.listTokens(user.id, T0)).map((t) => t.id)).toEqual([
      'a-first',
      'b-expiring',
      'c-scoped',
    ])
    expect((await store.listTokens(user.id, T0 + DAY_MS)).map((t) => t.id)).toEqual(['a-first', 'c-scoped'])

    await store.revokeToken(first.hash, T0 + 5)
    expect((await store.findToken(first.hash))?.revokedAt).toBe(T0 + 5)
    expect(await store.revokeTokenById(user.id, 'c-scoped', T0 + 6)).toEqual(scoped.hash)
    expect(await store.revokeTokenById(user.id, 'c-scoped', T0 + 7)).toBeUndefined()
    expect(await store.revokeTokenById('someone-else', 'b-expiring', T0 + 7)).toBeUndefined()
    expect((await store.listTokens(user.id, T0)).map((t) => t.id)).toEqual(['b-expiring'])
    expect(await store.findToken(randomBytes(32))).toBeUndefined()
  })

  it('revokes every token minted from a revoked one, however deep, and nothing else', async () => {
    const store = await openStore()
    const user = newUser()
    const root = newToken({ id: 'root' })
    await store.createUser(user, root)
    const sibling = newToken({ id: 'sibling', createdAt: T0 + 1 })
    const child = newToken({ id: 'child', createdAt: T0 + 2, parentId: 'root' })
    const grandchild = newToken({ id: 'grandchild', createdAt: T0 + 3, parentId: 'child' })
    const cousin = newToken({ id: 'cousin', createdAt: T0 + 4, parentId: 'sibling' })
    for (const token of [sibling, child, grandchild, cousin])
      expect(await store.createToken(user.id, token)).toBe(true)

    expect(await store.revokeTokenById(user.id, 'child', T0 + 5)).toEqual(child.hash)
    expect((await store.listTokens(user.id, T0)).map((t) => t.id)).toEqual(['root', 'sibling', 'cousin'])
    await store.revokeToken(root.hash, T0 + 6)
    await store.revokeToken(sibling.hash, T0 + 7)
    expect(await store.listTokens(user.id, T0)).toEqual([])
    // A revocation keeps the first time a token was revoked.
    expect((await store.findToken(grandchild.hash))?.revokedAt).toBe(T0 + 5)
    expect((await store.findToken(cousin.hash))?.revokedAt).toBe(T0 + 7)
  })

  it('makes one user for concurrent first logins of one external account', async () => {
    const store = await openStore()
    const external = { appId: 'suite-app', externalUserId: 'acct-42' }
    const results = await Promise.all(
      Array.from({ length: 8 }, () => store.issueExternalUserToken(external, newUser(), newToken())),
    )
    expect(new Set(results.map((r) => r.userId)).size).toBe(1)
    expect(results.filter((r) => r.created)).toHaveLength(1)
    expect(await store.listTokens(results[0]!.userId, T0)).toHaveLength(8)
    const other = await store.issueExternalUserToken(
      { appId: 'other-app', externalUserId: 'acct-42' },
      newUser('other-app'),
      newToken(),
    )
    expect(other.created).toBe(true)
    expect(other.userId).not.toBe(results[0]!.userId)
  })

  it('stores sealed keys byte for byte, binds a base URL once, and erases a user entirely', async () => {
    const store = await openStore()
    const user = newUser()
    const token = newToken()
    await store.createUser(user, token)
    const vault = createVault({ store, keyring, now: () => T0 })
    await vault.put(user.id, 'openai', SAMPLE_KEYS.openai, null)
    await vault.put(user.id, 'anthropic', SAMPLE_KEYS.anthropic, null)
    expect((await store.listKeys(user.id)).map((k) => k.provider)).toEqual(['anthropic', 'openai'])
    expect((await vault.read(user.id, 'openai')).key).toBe(SAMPLE_KEYS.openai)
    expect(await store.keyVersions()).toEqual([keyring.currentVersion])

    const binds = await Promise.all(
      ['https://a.example', 'https://b.example', 'https://c.example'].map((url) =>
        store.bindBaseUrl(user.id, 'openai', url),
      ),
    )
    expect(new Set(binds).size).toBe(1)
    expect((await store.getKey(user.id, 'openai'))?.baseUrl).toBe(binds[0])

    expect(await store.deleteKey(user.id, 'anthropic')).toBe(true)
    expect(await store.deleteKey(user.id, 'anthropic')).toBe(false)
    await store.logRequest({
      at: T0,
      userId: user.id,
      appId: 'suite-app',
      provider: 'openai',
      model: 'gpt-4o',
      status: 200,
      latencyMs: 5,
      inputTokens: 1,
      outputTokens: 1,
    })
    expect(await store.deleteUser(user.id)).toBe(true)
    expect(await store.deleteUser(user.id)).toBe(false)
    expect(await store.findToken(token.hash)).toBeUndefined()
    expect(await store.getKey(user.id, 'openai')).toBeUndefined()
    expect((await store.usage({ appId: 'suite-app' }, T0)).requests).toBe(0)
  })

  it('summarises the request log per user and app, by day, and drops rows of erased users', async () => {
    const store = await openStore()
    const alice = newUser()
    const bob = newUser()
    await store.createUser(alice, newToken())
    await store.createUser(bob, newToken())
    const call = (userId: string, at: number, model: string | null, status = 200) =>
      store.logRequest({
        at,
        userId,
        appId: 'suite-app',
        provider: model === 'claude' ? 'anthropic' : 'openai',
        model,
        status,
        latencyMs: 10,
        inputTokens: 3,
        outputTokens: 2,
      })
    await call(alice.id, T0, 'gpt-4o')
    await call(alice.id, T0 + 1, 'gpt-4o', 429)
    await call(alice.id, T0 - 10 * DAY_MS, null, 502)
    await call(bob.id, T0 + DAY_MS, 'claude')
    await call('erased-user', T0, 'gpt-4o')

    expect(await store.usage({ userId: alice.id }, T0 + 2)).toEqual({
      requests: 3,
      errors: 2,
      inputTokens: 9,
      outputTokens: 6,
      last7d: 2,
      last30d: 3,
      lastRequestAt: T0 + 1,
      users: 1,
      byProvider: [{ provider: 'openai', requests: 3, errors: 2 }],
      byModel: [
        { provider: 'openai', model: null, requests: 1, errors: 1, inputTokens: 3, outputTokens: 2 },
        { provider: 'openai', model: 'gpt-4o', requests: 2, errors: 1, inputTokens: 6, outputTokens: 4 },
      ],
      topModels: [{ model: 'gpt-4o', requests: 2 }],
    })
    const app = await store.usage({ appId: 'suite-app' }, T0 + 2)
    expect(app).toMatchObject({
      requests: 4,
      users: 2,
      byProvider: [{ provider: 'anthropic' }, { provider: 'openai' }],
    })
    expect(await store.usage({ appId: 'nobody' }, T0)).toMatchObject({
      requests: 0,
      errors: 0,
      lastRequestAt: null,
    })

    const day = Date.UTC(2030, 0, 1)
    expect(await store.dailyUsage({ from: day, to: day + 2 * DAY_MS })).toEqual([
      {
        appId: 'suite-app',
        provider: 'openai',
        model: 'gpt-4o',
        day: '2030-01-01',
        requests: 2,
        errors: 1,
        inputTokens: 6,
        outputTokens: 4,
      },
      {
        appId: 'suite-app',
        provider: 'anthropic',
        model: 'claude',
        day: '2030-01-02',
        requests: 1,
        errors: 0,
        inputTokens: 3,
        outputTokens: 2,
      },
    ])
    expect(
      await store.dailyUsage({ from: day, to: day + 2 * DAY_MS, userId: bob.id, limit: 5 }),
    ).toHaveLength(1)
  })

  it('keeps budgets per scope and reserves exactly under concurrency', async () => {
    const store = await openStore()
    const user = newUser()
    await store.createUser(user, newToken())
    const stored = await store.putBudget(budget(user.id, { maxRequests: 5 }))
    const replaced = await store.putBudget(budget(user.id, { maxRequests: 6, updatedAt: T0 + 1 }))
    expect(replaced).toMatchObject({ id: stored.id, maxRequests: 6, createdAt: T0, updatedAt: T0 + 1 })
    const tokens = await store.putBudget(budget(user.id, { provider: 'openai', maxInputTokens: 100 }))
    expect((await store.listBudgets(user.id)).map((b) => b.provider)).toEqual(['*', 'openai'])

    const both = [replaced, tokens]
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        store.reserveBudgets(both, [T0, T0], { inputTokens: 10, outputTokens: 0 }),
      ),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(6)
    const refused = results.find((r) => !r.ok)
    expect(refused && !refused.ok && refused.refusal).toMatchObject({
      counter: 'requests',
      limit: 6,
      used: 6,
    })
    expect(await store.budgetCounters(replaced.id, T0)).toEqual({
      requests: 6,
      inputTokens: 60,
      outputTokens: 0,
    })

    const first = results.find((r) => r.ok)
    if (!first?.ok) throw new Error('no reservation')
    await store.settleBudgets(first.reservation, { inputTokens: 0, outputTokens: 7 })
    expect(await store.budgetCounters(tokens.id, T0)).toEqual({
      requests: 6,
      inputTokens: 50,
      outputTokens: 7,
    })
    expect(await store.budgetCounters(tokens.id, T0 + DAY_MS)).toEqual({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
    })
    // An operator's cap for the app (APP_BUDGETS_FILE): the same budget id, counted per user.
    const other = newUser()
    await store.createUser(other, newToken())
    const appCap = (userId: string): BudgetRecord => ({
      ...budget(userId, { maxRequests: 3 }),
      id: 'app-cap',
      appId: 'suite-app',
    })
    const perUser = await Promise.all(
      [user.id, other.id].flatMap((id) =>
        Array.from({ length: 5 }, () =>
          store.reserveBudgets([appCap(id)], [T0], {
            inputTokens: 1,
            outputTokens: 0,
          }),
        ),
      ),
    )
    expect(perUser.slice(0, 5).filter((r) => r.ok)).toHaveLength(3)
    expect(perUser.slice(5).filter((r) => r.ok)).toHaveLength(3)
    const appReservation = perUser.find((r) => r.ok)
    if (!appReservation?.ok) throw new Error('no app reservation')
    expect(appReservation.reservation.entries).toEqual([
      { budgetId: 'app-cap', periodStart: T0, userId: user.id },
    ])
    await store.settleBudgets(appReservation.reservation, { inputTokens: 4, outputTokens: 0 })
    const again = await store.reserveBudgets([appCap(user.id)], [T0], { inputTokens: 0, outputTokens: 0 })
    expect(again.ok || again.refusal).toMatchObject({ counter: 'requests', limit: 3, used: 3 })

    expect(await store.deleteBudget(user.id, tokens.id)).toBe(true)
    // Settling a reservation whose budget was deleted meanwhile is a no-op, not an error.
    await store.settleBudgets(first.reservation, { inputTokens: 1, outputTokens: 1 })
    expect(await store.deleteBudget(user.id, tokens.id)).toBe(false)
  })

  it('keeps a token’s caps in its scope and counts them per user, exactly under concurrency', async () => {
    const store = await openStore()
    const user = newUser()
    await store.createUser(user, newToken())
    const cap: TokenCap = {
      tokenId: 'f'.repeat(32),
      period: 'total',
      maxRequests: 2,
      maxInputTokens: null,
      maxOutputTokens: null,
    }
    const hash = randomBytes(32)
    const scope = { providers: ['openai'], models: null, origins: null, caps: [cap] }
    expect(await store.createToken(user.id, newToken({ hash, scope }))).toBe(true)
    expect((await store.findToken(hash))?.scope).toEqual(scope)
    const record = capRecord(cap, { userId: user.id, appId: user.appId })
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        store.reserveBudgets([record], [0], { inputTokens: 3, outputTokens: 0 }),
      ),
    )
    expect(results.filter((r) => r.ok)).toHaveLength(2)
    expect(await store.budgetCounters(capBudgetId(cap), 0, user.id)).toEqual({
      requests: 2,
      inputTokens: 6,
      outputTokens: 0,
    })
    // The counters go with the user.
    await store.deleteUser(user.id)
    expect(await store.budgetCounters(capBudgetId(cap), 0, user.id)).toEqual({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
    })
  })

  it('keeps connect codes by digest: one take wins, expired ones are purged, they go with their token', async () => {
    const store = await openStore()
    const user = newUser()
    const token = newToken()
    await store.createUser(user, token)
    const code = (digest: Buffer, expiresAt: number): ConnectCodeRecord => ({
      digest,
      tokenHash: token.hash,
      provider: 'openai',
      redirectUri: 'https://app.example/cb',
      origin: 'https://app.example',
      challenge: 'c'.repeat(43),
      expiresAt,
    })
    const [first, second, third] = [randomBytes(32), randomBytes(32), randomBytes(32)]
    await store.putConnectCode(code(first, T0 + 60_000), T0)
    const takes = await Promise.all(Array.from({ length: 8 }, () => store.takeConnectCode(first)))
    expect(takes.filter((t) => t !== undefined)).toEqual([code(first, T0 + 60_000)])

    // Storing a code purges the ones expired by then.
    await store.putConnectCode(code(second, T0 + 60_000), T0)
    await store.putConnectCode(code(third, T0 + 120_000), T0 + 60_000)
    expect(await store.takeConnectCode(second)).toBeUndefined()
    await store.putConnectCode(code(second, T0 + 120_000), T0 + 60_000)
    // A code of a token that is gone is not stored; erasing the user takes pending codes with it.
    await store.putConnectCode({ ...code(randomBytes(32), T0 + 120_000), tokenHash: randomBytes(32) }, T0)
    expect(await store.deleteUser(user.id)).toBe(true)
    expect(await store.takeConnectCode(third)).toBeUndefined()
    expect(await store.takeConnectCode(second)).toBeUndefined()
  })

  it('purges tokens past expiry or revocation and past periods’ counters, in batches, and nothing else', async () => {
    const store = await openStore()
    const user = newUser()
    const live = newToken({ id: 'live' })
    await store.createUser(user, live)
    const old = T0 - 40 * DAY_MS
    const recent = T0 - 10 * DAY_MS
    const expiredLongAgo = newToken({ id: 'expired-old', expiresAt: old })
    const expiredLately = newToken({ id: 'expired-recent', expiresAt: recent })
    const revokedLongAgo = newToken({ id: 'revoked-old' })
    const revokedLately = newToken({ id: 'revoked-recent' })
    for (const token of [expiredLongAgo, expiredLately, revokedLongAgo, revokedLately])
      expect(await store.createToken(user.id, token)).toBe(true)
    await store.revokeToken(revokedLongAgo.hash, old)
    await store.revokeToken(revokedLately.hash, recent)
    const vault = createVault({ store, keyring, now: () => T0 })
    await vault.put(user.id, 'openai', SAMPLE_KEYS.openai, null)
    // Counters of a user budget and of an app cap, in a period long past and in the current one.
    const daily = await store.putBudget(budget(user.id, { maxRequests: 100 }))
    const appCap: BudgetRecord = {
      ...budget(user.id, { maxRequests: 100 }),
      id: 'app-cap',
      appId: 'suite-app',
    }
    const pastPeriod = T0 - 70 * DAY_MS
    for (const period of [pastPeriod, T0]) {
      const reserved = await store.reserveBudgets([daily, appCap], [period, period], {
        inputTokens: 1,
        outputTokens: 0,
      })
      expect(reserved.ok).toBe(true)
    }

    const cutoffs = { tokensBefore: T0 - 30 * DAY_MS, countersBefore: T0 - 62 * DAY_MS }
    expect(await store.purgeExpired({ ...cutoffs, limit: 1 })).toEqual({ tokens: 1, counters: 2 })
    expect(await store.purgeExpired({ ...cutoffs, limit: 1000 })).toEqual({ tokens: 1, counters: 0 })
    expect(await store.purgeExpired({ ...cutoffs, limit: 1000 })).toEqual({ tokens: 0, counters: 0 })

    const present = async (token: NewToken) => (await store.findToken(token.hash)) !== undefined
    expect(await present(expiredLongAgo)).toBe(false)
    expect(await present(revokedLongAgo)).toBe(false)
    for (const token of [live, expiredLately, revokedLately]) expect(await present(token)).toBe(true)
    expect(await store.budgetCounters(daily.id, pastPeriod)).toEqual({
      requests: 0,
      inputTokens: 0,
      outputTokens: 0,
    })
    expect(await store.budgetCounters(daily.id, T0)).toEqual({ requests: 1, inputTokens: 1, outputTokens: 0 })
    expect((await vault.read(user.id, 'openai')).key).toBe(SAMPLE_KEYS.openai)
    expect((await store.listBudgets(user.id)).map((b) => b.id)).toEqual([daily.id])
  })

  it('adds a lease with a reservation only within the caps, and takes back what is given back', async () => {
    const store = await openStore()
    const user = newUser()
    await store.createUser(user, newToken())
    const capped = await store.putBudget(budget(user.id, { maxRequests: 10, maxInputTokens: 100 }))
    const estimate = { inputTokens: 10, outputTokens: 0 }
    const block = { requests: 4, inputTokens: 40, outputTokens: 0 }
    const reserve = () => store.reserveBudgets([capped], [T0], estimate, block)
    const counters = () => store.budgetCounters(capped.id, T0)

    // The call and the block fit twice (10 requests, 100 tokens exactly); then the call alone is checked.
    const first = await reserve()
    expect(first.ok && first.reservation).toMatchObject({ ...estimate, lease: block })
    expect((await reserve()).ok).toBe(true)
    expect(await counters()).toEqual({ requests: 10, inputTokens: 100, outputTokens: 0 })
    const refused = await reserve()
    expect(refused.ok || refused.refusal).toMatchObject({ counter: 'requests', limit: 10, used: 10 })

    if (!first.ok) throw new Error('no reservation')
    await store.releaseBudgets(first.reservation.entries, { requests: 3, inputTokens: 30, outputTokens: 0 })
    expect(await counters()).toEqual({ requests: 7, inputTokens: 70, outputTokens: 0 })
    // 7 + 5 would pass the cap: no block, the call alone fits.
    const alone = await reserve()
    expect(alone.ok && alone.reservation.lease).toBeUndefined()
    expect(await counters()).toEqual({ requests: 8, inputTokens: 80, outputTokens: 0 })
    // A block spent past its estimates gives back a negative remainder; nothing goes below zero.
    await store.releaseBudgets(first.reservation.entries, { requests: 0, inputTokens: -5, outputTokens: -2 })
    expect(await counters()).toEqual({ requests: 8, inputTokens: 85, outputTokens: 2 })
    await store.releaseBudgets(first.reservation.entries, {
      requests: 100,
      inputTokens: 1000,
      outputTokens: 0,
    })
    expect(await counters()).toEqual({ requests: 0, inputTokens: 0, outputTokens: 2 })
  })

  it('serves the relay through buildApp: register, store a key, list, revoke, deep health', async () => {
    const store = await open()
    const app = await buildTestApp({}, { store })
    const token = await registerUser(app)
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    const keys = await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
    expect(keys.json()).toMatchObject({ providers: ['openai'] })
    expect(keys.body).not.toContain(SAMPLE_KEYS.openai)
    const health = await app.inject({ method: 'GET', url: '/health?deep=1' })
    expect(health.json()).toMatchObject({ ok: true, checks: { store: 'ok', crypto: 'ok' } })
    const revoke = await app.inject({ method: 'DELETE', url: '/users', headers: { 'x-relay-token': token } })
    expect(revoke.statusCode, revoke.body).toBeLessThan(300)
    const after = await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
    expect(after.statusCode).toBe(401)
  })
})

describe('sealed rows move between stores unchanged', () => {
  it('a key sealed in SQLite decrypts from Postgres with the same secret, and stays bound to its row', async () => {
    const sqlite = openSqliteStore(':memory:')
    const postgres = await openPostgresStore(await createTestDatabase(inject('postgresUrl')))
    try {
      const user = newUser()
      const other = newUser()
      await sqlite.createUser(user, newToken())
      await createVault({ store: sqlite, keyring, now: () => T0 }).put(
        user.id,
        'openai',
        SAMPLE_KEYS.openai,
        null,
      )
      const row = (await sqlite.getKey(user.id, 'openai'))!
      await postgres.createUser(user, newToken())
      await postgres.createUser(other, newToken())
      await postgres.putKey(row)
      await postgres.putKey({ ...row, userId: other.id })
      expect((await postgres.getKey(user.id, 'openai'))?.sealed.equals(row.sealed)).toBe(true)
      const vault = createVault({ store: postgres, keyring, now: () => T0 })
      expect((await vault.read(user.id, 'openai')).key).toBe(SAMPLE_KEYS.openai)
      await expect(vault.read(other.id, 'openai')).rejects.toMatchObject({ code: 'key_unreadable' })
    } finally {
      await sqlite.close()
      await postgres.close()
    }
  })
})

describe('Postgres schema', () => {
  it('two relays starting together on an empty database apply each migration once', async () => {
    const url = await createTestDatabase(inject('postgresUrl'))
    const stores = await Promise.all([openPostgresStore(url), openPostgresStore(url), openPostgresStore(url)])
    await Promise.all(stores.map((s) => s.close()))
    const versions = await withPgClient(url, async (client) => {
      const { rows } = await client.query<{ version: number }>(
        'SELECT version FROM byok_schema_version ORDER BY 1',
      )
      return rows.map((r) => r.version)
    })
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version))
  })

  it('refuses a database written by a newer relay and leaves it untouched', async () => {
    const url = await createTestDatabase(inject('postgresUrl'))
    await withPgClient(url, async (client) => {
      await client.query(
        'CREATE TABLE byok_schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      )
      await client.query('INSERT INTO byok_schema_version VALUES (999, 0)')
      await expect(openPostgresStore(url)).rejects.toThrow(/newer than this relay/)
      const { rows } = await client.query(`SELECT to_regclass('users')::text AS t`)
      expect(rows).toEqual([{ t: null }])
    })
  })

  it('backup refuses with a pointer to pg_dump', async () => {
    const store = await openPostgresStore(await createTestDatabase(inject('postgresUrl')))
    try {
      await expect(store.backup('/nonexistent/out.db')).rejects.toThrow(/pg_dump/)
    } finally {
      await store.close()
    }
  })
})

const RELAY_SOURCE = fileURLToPath(new URL('../src/index.ts', import.meta.url))
const TSX_LOADER = pathToFileURL(
  fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url)),
).href

/**
 * Writes users into the SQLite file at `path` from another thread, as fast as it can, until `stop[0]` is set
 * (or 20 s, or 200,000 rows): another relay process sharing the file, committing between any two statements of
 * ours.
 */
const CONCURRENT_WRITER = `
const { workerData } = require('node:worker_threads')
const Database = require(workerData.driver)
const db = new Database(workerData.path)
db.pragma('busy_timeout = 5000')
const insert = db.prepare("INSERT INTO users (id, app_id, created_at) VALUES (?, 'writer', 0)")
const end = Date.now() + 20000
for (let n = 0; n < 200000 && Date.now() < end && Atomics.load(workerData.stop, 0) === 0; n++) insert.run('w-' + n)
db.close()
`

describe('one SQLite file shared by processes', () => {
  it('read-then-write transactions wait for the other writer instead of failing with SQLITE_BUSY_SNAPSHOT', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'relay.db')
      const store = openSqliteStore(path)
      const stop = new Int32Array(new SharedArrayBuffer(4))
      const writer = new Worker(CONCURRENT_WRITER, {
        eval: true,
        workerData: { path, stop, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      })
      const exited = new Promise((resolve) => writer.once('exit', resolve))
      let failure: unknown
      try {
        // Each of these reads, then writes, in one transaction (the take is a single statement).
        const until = Date.now() + 10_000
        for (let i = 0; i < 1000 && Date.now() < until; i++) {
          const user = newUser()
          const first = newToken({ id: randomUUID() })
          await store.createUser(user, first)
          expect(await store.createToken(user.id, newToken({ id: randomUUID() }))).toBe(true)
          const digest = randomBytes(32)
          await store.putConnectCode(
            {
              digest,
              tokenHash: first.hash,
              provider: 'openai',
              redirectUri: 'https://app.example/cb',
              origin: 'https://app.example',
              challenge: 'c'.repeat(43),
              expiresAt: T0 + 60_000,
            },
            T0,
          )
          expect(await store.takeConnectCode(digest)).toBeDefined()
          expect(await store.revokeTokenById(user.id, first.id!, T0)).toEqual(first.hash)
          if (i % 3 === 0) expect(await store.deleteUser(user.id)).toBe(true)
        }
      } catch (error) {
        failure = error
      } finally {
        Atomics.store(stop, 0, 1)
        await exited
        await store.close()
      }
      expect(failure).toBeUndefined()
    })
  }, 30_000)

  it('three relays opening a new file together apply each migration once', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'relay.db')
      // Loaded first, then opened at one agreed moment, so that the opens overlap.
      const openAt = Date.now() + 3000
      const open = `import { openSqliteStore } from ${JSON.stringify(pathToFileURL(RELAY_SOURCE).href)}
        await new Promise((resolve) => setTimeout(resolve, ${openAt} - Date.now()))
        const store = openSqliteStore(${JSON.stringify(path)}); await store.close()`
      await Promise.all(
        Array.from({ length: 3 }, () =>
          promisify(execFile)(
            process.execPath,
            ['--conditions=source', '--import', TSX_LOADER, '--input-type=module', '-e', open],
            { timeout: 30_000 },
          ),
        ),
      )
      const store = openSqliteStore(path)
      expect(await store.listTokens('nobody', T0)).toEqual([])
      await store.close()
    })
  }, 60_000)
})

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  return Number(new URL(await closedPortOrigin()).port)
}

describe('Postgres at start-up', () => {
  it('an unreachable server is one StoreUnavailableError line naming host and port, never the password', async () => {
    const port = await closedPort()
    const config = loadConfig(testEnv({ DATABASE_URL: `postgres://byok:pw-secret-1@127.0.0.1:${port}/byok` }))
    const error = await buildApp(config).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    const message = (error as Error).message
    expect(message).toMatch(
      new RegExp(`^cannot reach Postgres at 127\\.0\\.0\\.1:${port}/byok \\(.*ECONNREFUSED`),
    )
    expect(message).not.toContain('\n')
    expect(message).not.toContain('pw-secret-1')
  })

  it('a refused login says so without the password', async () => {
    const url = new URL(inject('postgresUrl'))
    url.password = 'wrong-pw-2'
    const error = await openPostgresStore(url.href).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(StoreUnavailableError)
    expect((error as Error).message).toMatch(/password authentication failed/)
    expect((error as Error).message).not.toContain('wrong-pw-2')
  })

  it('the byok-relay bin exits 1 with one line on stderr', async () => {
    const port = await closedPort()
    const bin = fileURLToPath(new URL('../src/bin/byok-relay.ts', import.meta.url))
    const tsx = pathToFileURL(
      fileURLToPath(new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url)),
    ).href
    await withTempDir(async (cwd) => {
      const result = await promisify(execFile)(
        process.execPath,
        ['--conditions=source', '--import', tsx, bin],
        {
          cwd,
          timeout: 30_000,
          env: {
            PATH: process.env.PATH ?? '',
            ENCRYPTION_SECRET: TEST_SECRET,
            DATABASE_URL: `postgres://byok:pw-secret-3@127.0.0.1:${port}/byok`,
          },
        },
      ).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(
        new RegExp(`^byok-relay: cannot reach Postgres at 127\\.0\\.0\\.1:${port}/byok .*\\n$`),
      )
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).not.toContain('pw-secret-3')
    })
  }, 30_000)
})

describe('Postgres at run time', () => {
  it('deep health fails while Postgres is down; the relay recovers when it is back, keeping queued log rows', async () => {
    const own = await startTestPostgres()
    try {
      const store = await openPostgresStore(own.url)
      const app = await buildTestApp({}, { store })
      const token = await registerUser(app)
      const user = newUser('outage-app')
      await store.createUser(user, newToken())
      const deep = () => app.inject({ method: 'GET', url: '/health?deep=1' })
      expect((await deep()).statusCode).toBe(200)

      await own.pause()
      const down = await deep()
      expect(down.statusCode).toBe(503)
      expect(down.json()).toMatchObject({ ok: false, checks: { store: 'fail', crypto: 'ok' } })
      await store.logRequest({
        at: T0,
        userId: user.id,
        appId: 'outage-app',
        provider: 'openai',
        model: null,
        status: 200,
        latencyMs: 1,
        inputTokens: null,
        outputTokens: null,
      })
      await new Promise((resolve) => setTimeout(resolve, 300)) // the batch's flush fails at least once

      await own.resume()
      // The pool drops dead connections and opens new ones: no process restart. Bounded: 50 × 100 ms.
      let up = await deep()
      for (let i = 0; i < 50 && up.statusCode !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        up = await deep()
      }
      expect(up.json()).toMatchObject({ ok: true, checks: { store: 'ok' } })
      const keys = await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
      expect(keys.statusCode, keys.body).toBe(200)
      expect((await store.usage({ userId: user.id }, T0)).requests).toBe(1)
    } finally {
      await own.stop()
    }
  }, 90_000)
})
