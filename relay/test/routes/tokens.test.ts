import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import Database from 'better-sqlite3'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations.js'
import {
  buildTestApp,
  createClock,
  DAY_MS,
  expectErrorShape,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
} from '../helpers.js'

const APP_SECRET = 'operator-app-secret-123'
const appAuth = { authorization: `Bearer ${APP_SECRET}` }

interface Minted {
  token: string
  id: string
  expires_at: string
  providers: string[] | null
  models: string[] | null
  origins: string[] | null
}

async function mint(
  app: FastifyInstance,
  headers: Record<string, string>,
  payload: Record<string, unknown> = {},
): Promise<Minted> {
  const res = await app.inject({ method: 'POST', url: '/tokens', headers, payload })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<Minted>()
}

const as = (token: string, extra: Record<string, string> = {}) => ({ 'x-relay-token': token, ...extra })

async function registerExternal(
  app: FastifyInstance,
  appId: string,
  externalUserId: string,
  headers: Record<string, string> = appAuth,
) {
  return app.inject({
    method: 'POST',
    url: '/users',
    headers,
    payload: { app_id: appId, external_user_id: externalUserId },
  })
}

async function keyProviders(app: FastifyInstance, token: string, origin?: string): Promise<string[]> {
  const res = await app.inject({
    method: 'GET',
    url: '/keys',
    headers: as(token, origin ? { origin } : {}),
  })
  expect(res.statusCode, res.body).toBe(200)
  return res.json<{ providers: string[] }>().providers
}

describe('POST /users with external_user_id (keys follow the app’s user)', () => {
  it('gives every login of the same (app_id, external_user_id) a token for the same relay user', async () => {
    const app = await buildTestApp({ APP_SECRET })
    const first = await registerExternal(app, 'shop', 'user-42')
    expect(first.statusCode, first.body).toBe(200)
    // The response shape is the anonymous one: nothing removed, nothing renamed.
    expect(Object.keys(first.json()).sort()).toEqual(['expires_at', 'token'])
    const laptop = first.json<{ token: string }>().token
    await storeKey(app, laptop, 'openai', SAMPLE_KEYS.openai)

    const phone = (await registerExternal(app, 'shop', 'user-42')).json<{ token: string }>().token
    expect(phone).not.toBe(laptop)
    expect(await keyProviders(app, phone)).toEqual(['openai'])
    // Both tokens stay valid.
    expect(await keyProviders(app, laptop)).toEqual(['openai'])
  })

  it('makes one relay user of two first logins at the same moment', async () => {
    const app = await buildTestApp({ APP_SECRET })
    const [a, b] = await Promise.all([
      registerExternal(app, 'shop', 'twin'),
      registerExternal(app, 'shop', 'twin'),
    ])
    const tokenA = a.json<{ token: string }>().token
    const tokenB = b.json<{ token: string }>().token
    await storeKey(app, tokenA, 'openai', SAMPLE_KEYS.openai)
    expect(await keyProviders(app, tokenB)).toEqual(['openai'])
  })

  it('keeps apps and users apart: another app or another user id is another relay user', async () => {
    const app = await buildTestApp({ APP_SECRET })
    const token = (await registerExternal(app, 'shop', 'user-42')).json<{ token: string }>().token
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    for (const [appId, userId] of [
      ['blog', 'user-42'],
      ['shop', 'user-43'],
      ['shop', 'USER-42'],
    ] as const) {
      const other = (await registerExternal(app, appId, userId)).json<{ token: string }>().token
      expect(await keyProviders(app, other)).toEqual([])
    }
  })

  it.each([
    ['no Authorization header', {}],
    ['a wrong secret', { authorization: `Bearer ${APP_SECRET}x` }],
  ])('refuses %s with 401 app_secret_invalid', async (_label, headers) => {
    const app = await buildTestApp({ APP_SECRET })
    const res = await registerExternal(app, 'shop', 'user-42', headers)
    expect(expectErrorShape(res, 401, 'app_secret_invalid').error).not.toContain(APP_SECRET)
  })

  it('refuses external_user_id with 503 not_configured when APP_SECRET is unset (anyone could claim a user)', async () => {
    const app = await buildTestApp()
    expectErrorShape(await registerExternal(app, 'shop', 'user-42', {}), 503, 'not_configured')
    // Anonymous registration is unchanged.
    expect((await registerUser(app, 'shop')).startsWith('byok_rt_')).toBe(true)
  })

  it.each([
    ['empty', ''],
    ['a number', 42],
    ['control characters', 'a\u0001b'],
    ['too long', 'x'.repeat(201)],
  ])('refuses an external_user_id that is %s with 400 validation_error', async (_label, externalUserId) => {
    const app = await buildTestApp({ APP_SECRET })
    const res = await app.inject({
      method: 'POST',
      url: '/users',
      headers: appAuth,
      payload: { app_id: 'shop', external_user_id: externalUserId },
    })
    expectErrorShape(res, 400, 'validation_error')
  })

  it('DELETE /users erases the mapping too: the next login is a new, empty user', async () => {
    await withTempDir(async (dir) => {
      const DB_PATH = join(dir, 'relay.db')
      const app = await buildTestApp({ APP_SECRET, DB_PATH })
      const token = (await registerExternal(app, 'shop', 'user-42')).json<{ token: string }>().token
      await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
      await mint(app, as(token), { providers: ['openai'] })
      const erased = await app.inject({ method: 'DELETE', url: '/users', headers: as(token) })
      expect(erased.statusCode).toBe(200)

      const db = new Database(DB_PATH, { readonly: true })
      try {
        for (const table of ['users', 'tokens', 'keys', 'external_users']) {
          expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get(), table).toEqual({ n: 0 })
        }
      } finally {
        db.close()
      }
      const again = (await registerExternal(app, 'shop', 'user-42')).json<{ token: string }>().token
      expect(await keyProviders(app, again)).toEqual([])
    })
  })

  it('a backend logging users in is not capped by the anonymous sign-up quota; anonymous sign-ups still are', async () => {
    const app = await buildTestApp({ APP_SECRET, RATE_LIMIT_REGISTER_PER_HOUR: '2' })
    for (let i = 0; i < 5; i++)
      expect((await registerExternal(app, 'shop', `user-${i}`)).statusCode).toBe(200)
    const anonymous = () =>
      app.inject({ method: 'POST', url: '/users', headers: appAuth, payload: { app_id: 'shop' } })
    expect((await anonymous()).statusCode).toBe(200)
    expect((await anonymous()).statusCode).toBe(200)
    expectErrorShape(await anonymous(), 429, 'rate_limited')
  })

  it('failed APP_SECRET guesses spend the sign-up quota, with or without external_user_id', async () => {
    const app = await buildTestApp({ APP_SECRET, RATE_LIMIT_REGISTER_PER_HOUR: '2' })
    const wrong = { authorization: 'Bearer guess' }
    expectErrorShape(await registerExternal(app, 'shop', 'u', wrong), 401, 'app_secret_invalid')
    expectErrorShape(await registerExternal(app, 'shop', 'u', wrong), 401, 'app_secret_invalid')
    expectErrorShape(await registerExternal(app, 'shop', 'u', wrong), 429, 'rate_limited')
  })
})

describe('POST /tokens', () => {
  it('mints a token with the asked scope and expiry; it is stored only as a digest', async () => {
    await withTempDir(async (dir) => {
      const DB_PATH = join(dir, 'relay.db')
      const clock = createClock()
      const app = await buildTestApp({ DB_PATH }, { now: clock.now })
      const token = await registerUser(app)
      const minted = await mint(app, as(token), {
        providers: ['openai'],
        models: ['gpt-4o*'],
        origins: ['https://app.example'],
        expires_in: 600,
      })
      expect(minted).toEqual({
        token: expect.stringMatching(/^byok_rt_[A-Za-z0-9_-]{43}$/),
        id: expect.stringMatching(/^[0-9a-f]{32}$/),
        expires_at: new Date(clock.now() + 600_000).toISOString(),
        providers: ['openai'],
        models: ['gpt-4o*'],
        origins: ['https://app.example'],
        caps: [],
      })
      await app.close()
      const bytes = (await import('node:fs')).readFileSync(DB_PATH)
      expect(bytes.includes(Buffer.from(minted.token))).toBe(false)
      expect(bytes.includes(Buffer.from(minted.token.slice(8)))).toBe(false)
    })
  })

  it('defaults to one hour and no restriction beyond what a full token has', async () => {
    const clock = createClock()
    const app = await buildTestApp({}, { now: clock.now })
    const minted = await mint(app, as(await registerUser(app)))
    expect(minted).toMatchObject({
      expires_at: new Date(clock.now() + 3_600_000).toISOString(),
      providers: null,
      models: null,
      origins: null,
    })
  })

  it.each([
    ['expires_in under 60 s', { expires_in: 59 }, 'validation_error'],
    ['expires_in over 30 days', { expires_in: 30 * 86_400 + 1 }, 'validation_error'],
    ['a fractional expires_in', { expires_in: 90.5 }, 'validation_error'],
    ['an empty providers list', { providers: [] }, 'validation_error'],
    ['an unknown provider', { providers: ['nope'] }, 'provider_unknown'],
    ['a model with a space', { models: ['gpt 4'] }, 'validation_error'],
    ['an origin with a path', { origins: ['https://app.example/'] }, 'validation_error'],
    ['an origin in upper case', { origins: ['https://App.example'] }, 'validation_error'],
    ['a non-http origin', { origins: ['file:///etc'] }, 'validation_error'],
    ['an unknown field', { scopes: ['x'] }, 'validation_error'],
    ['app_id with a user token', { app_id: 'shop', external_user_id: 'u' }, 'validation_error'],
  ])('refuses %s → %s', async (_label, payload, code) => {
    const app = await buildTestApp()
    const token = await registerUser(app)
    const res = await app.inject({ method: 'POST', url: '/tokens', headers: as(token), payload })
    expectErrorShape(res, 400, code)
  })

  it('accepts expires_in at both bounds', async () => {
    const clock = createClock()
    const app = await buildTestApp({}, { now: clock.now })
    const token = await registerUser(app)
    expect((await mint(app, as(token), { expires_in: 60 })).expires_at).toBe(
      new Date(clock.now() + 60_000).toISOString(),
    )
    expect((await mint(app, as(token), { expires_in: 30 * 86_400 })).expires_at).toBe(
      new Date(clock.now() + 30 * DAY_MS).toISOString(),
    )
  })

  it('without a token or APP_SECRET → 401 token_missing', async () => {
    const app = await buildTestApp({ APP_SECRET })
    expectErrorShape(await app.inject({ method: 'POST', url: '/tokens', payload: {} }), 401, 'token_missing')
  })

  describe('a scoped token cannot mint a wider one', () => {
    const parentScope = {
      providers: ['openai', 'anthropic'],
      models: ['gpt-4o*', 'claude-*'],
      origins: ['https://app.example'],
      expires_in: 600,
    }
    const origin = { origin: 'https://app.example' }

    it.each([
      ['another provider', { providers: ['google'] }],
      ['a wider model pattern', { models: ['gpt-*'] }],
      ['any model', { models: ['*'] }],
      ['another origin', { origins: ['https://evil.example'] }],
      ['a longer expiry', { expires_in: 601 }],
    ])('%s → 403 token_scope_widen', async (_label, payload) => {
      const app = await buildTestApp()
      const parent = await mint(app, as(await registerUser(app)), parentScope)
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: as(parent.token, origin),
        payload,
      })
      expectErrorShape(res, 403, 'token_scope_widen')
    })

    it('a subset works, inherits what it does not name, and is capped at the parent’s expiry', async () => {
      const clock = createClock()
      const app = await buildTestApp({}, { now: clock.now })
      const parent = await mint(app, as(await registerUser(app)), parentScope)
      clock.advance(60_000)
      const child = await mint(app, as(parent.token, origin), {
        providers: ['openai'],
        models: ['gpt-4o-mini'],
      })
      expect(child).toMatchObject({
        providers: ['openai'],
        models: ['gpt-4o-mini'],
        origins: ['https://app.example'],
        // The default hour would outlive the parent: the child ends with it.
        expires_at: parent.expires_at,
      })
    })

    it('a scoped token minting from another origin → 403 token_scope_origin', async () => {
      const app = await buildTestApp()
      const parent = await mint(app, as(await registerUser(app)), parentScope)
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: as(parent.token, { origin: 'https://evil.example' }),
        payload: { providers: ['openai'] },
      })
      expectErrorShape(res, 403, 'token_scope_origin')
    })

    it('a full token cannot mint past its own expiry either', async () => {
      const clock = createClock()
      const app = await buildTestApp({ TOKEN_EXPIRY_DAYS: '1' }, { now: clock.now })
      const token = await registerUser(app)
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: as(token),
        payload: { expires_in: 2 * 86_400 },
      })
      expectErrorShape(res, 403, 'token_scope_widen')
    })
  })

  describe('by the app backend (APP_SECRET + app_id + external_user_id)', () => {
    it('mints for the external user, the same relay user as POST /users', async () => {
      const app = await buildTestApp({ APP_SECRET })
      const full = (await registerExternal(app, 'shop', 'user-42')).json<{ token: string }>().token
      await storeKey(app, full, 'openai', SAMPLE_KEYS.openai)
      await storeKey(app, full, 'anthropic', SAMPLE_KEYS.anthropic)
      const scoped = await mint(app, appAuth, {
        app_id: 'shop',
        external_user_id: 'user-42',
        providers: ['openai'],
      })
      expect(await keyProviders(app, scoped.token)).toEqual(['openai'])
      const list = await app.inject({ method: 'GET', url: '/tokens', headers: as(full) })
      expect(list.json<{ tokens: { id: string }[] }>().tokens.map((t) => t.id)).toContain(scoped.id)
    })

    it('creates the user on first use', async () => {
      const app = await buildTestApp({ APP_SECRET })
      const scoped = await mint(app, appAuth, { app_id: 'shop', external_user_id: 'new-user' })
      const full = (await registerExternal(app, 'shop', 'new-user')).json<{ token: string }>().token
      await storeKey(app, full, 'openai', SAMPLE_KEYS.openai)
      expect(await keyProviders(app, scoped.token)).toEqual(['openai'])
    })

    it.each([
      ['a wrong secret', { authorization: 'Bearer wrong' }, 401, 'app_secret_invalid'],
      [
        'a relay token as Bearer',
        { authorization: `Bearer byok_rt_${'A'.repeat(43)}` },
        401,
        'app_secret_invalid',
      ],
    ])('%s → %i %s', async (_label, headers, status, code) => {
      const app = await buildTestApp({ APP_SECRET })
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers,
        payload: { app_id: 'shop', external_user_id: 'u' },
      })
      expectErrorShape(res, status, code)
    })

    it('failed secrets spend the sign-up quota (no free APP_SECRET guessing through /tokens)', async () => {
      const app = await buildTestApp({ APP_SECRET, RATE_LIMIT_REGISTER_PER_HOUR: '1' })
      const guess = () =>
        app.inject({
          method: 'POST',
          url: '/tokens',
          headers: { authorization: 'Bearer guess' },
          payload: { app_id: 'shop', external_user_id: 'u' },
        })
      expectErrorShape(await guess(), 401, 'app_secret_invalid')
      expectErrorShape(await guess(), 429, 'rate_limited')
      // The backend itself is not held back by it.
      await mint(app, appAuth, { app_id: 'shop', external_user_id: 'u' })
    })

    it('needs app_id and external_user_id', async () => {
      const app = await buildTestApp({ APP_SECRET })
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: appAuth,
        payload: { app_id: 'shop' },
      })
      expectErrorShape(res, 400, 'validation_error')
    })

    it('503 not_configured when APP_SECRET is unset', async () => {
      const app = await buildTestApp()
      const res = await app.inject({
        method: 'POST',
        url: '/tokens',
        headers: { authorization: 'Bearer anything' },
        payload: { app_id: 'shop', external_user_id: 'u' },
      })
      expectErrorShape(res, 503, 'not_configured')
    })
  })
})

describe('GET /tokens and DELETE /tokens/:id', () => {
  interface Listed {
    id: string
    scoped: boolean
    current: boolean
    created_at: string
    expires_at: string | null
    providers: string[] | null
    models: string[] | null
    origins: string[] | null
  }
  const list = async (app: FastifyInstance, token: string) => {
    const res = await app.inject({ method: 'GET', url: '/tokens', headers: as(token) })
    expect(res.statusCode, res.body).toBe(200)
    return res.json<{ tokens: Listed[] }>().tokens
  }

  it('lists live tokens as metadata only, never a token', async () => {
    const clock = createClock()
    const app = await buildTestApp({}, { now: clock.now })
    const token = await registerUser(app)
    const other = await registerUser(app)
    await mint(app, as(other))
    clock.advance(1000)
    const minted = await mint(app, as(token), { providers: ['openai'], expires_in: 120 })
    const res = await app.inject({ method: 'GET', url: '/tokens', headers: as(token) })
    expect(res.body).not.toContain(minted.token)
    expect(res.body).not.toContain(token)
    const tokens = res.json<{ tokens: Listed[] }>().tokens
    expect(tokens).toHaveLength(2)
    expect(tokens[0]).toMatchObject({ scoped: false, current: true, providers: null })
    expect(tokens[1]).toEqual({
      id: minted.id,
      scoped: true,
      current: false,
      created_at: new Date(clock.now()).toISOString(),
      expires_at: minted.expires_at,
      providers: ['openai'],
      models: null,
      origins: null,
      caps: [],
    })
    // Expired tokens drop out of the list.
    clock.advance(120_000)
    expect((await list(app, token)).map((t) => t.id)).not.toContain(minted.id)
  })

  it('revokes one token by id: it answers 401 token_revoked at once, the others keep working', async () => {
    const app = await buildTestApp()
    const token = await registerUser(app)
    const a = await mint(app, as(token))
    const b = await mint(app, as(token))
    // Warm the read cache for a: revocation must not wait for it.
    expect(await keyProviders(app, a.token)).toEqual([])
    const res = await app.inject({ method: 'DELETE', url: `/tokens/${a.id}`, headers: as(token) })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ ok: true, id: a.id })
    expectErrorShape(
      await app.inject({ method: 'GET', url: '/keys', headers: as(a.token) }),
      401,
      'token_revoked',
    )
    expect(await keyProviders(app, b.token)).toEqual([])
    expect((await list(app, token)).map((t) => t.id)).not.toContain(a.id)
    // Twice: nothing live to revoke.
    expectErrorShape(
      await app.inject({ method: 'DELETE', url: `/tokens/${a.id}`, headers: as(token) }),
      404,
      'not_found',
    )
  })

  it('revoking a token revokes every token minted from it, transitively, at once; its parent and siblings live on', async () => {
    const app = await buildTestApp()
    const full = await registerUser(app)
    const child = await mint(app, as(full))
    const sibling = await mint(app, as(full))
    const grandchild = await mint(app, as(child.token))
    const greatGrandchild = await mint(app, as(grandchild.token))
    // Warm the read cache for every descendant: the cascade must not wait for it.
    for (const t of [child, grandchild, greatGrandchild]) expect(await keyProviders(app, t.token)).toEqual([])
    const res = await app.inject({ method: 'DELETE', url: `/tokens/${child.id}`, headers: as(full) })
    expect(res.statusCode, res.body).toBe(200)
    for (const t of [child, grandchild, greatGrandchild]) {
      expectErrorShape(
        await app.inject({ method: 'GET', url: '/keys', headers: as(t.token) }),
        401,
        'token_revoked',
      )
    }
    expect(await keyProviders(app, full)).toEqual([])
    expect(await keyProviders(app, sibling.token)).toEqual([])
    const live = (await list(app, full)).map((t) => t.id)
    expect(live).toContain(sibling.id)
    for (const t of [child, grandchild, greatGrandchild]) expect(live).not.toContain(t.id)
  })

  it('POST /tokens/revoke and DELETE /tokens/:id of a full token take its scoped tokens with it', async () => {
    const app = await buildTestApp()
    const full = await registerUser(app)
    const scoped = await mint(app, as(full))
    const nested = await mint(app, as(scoped.token))
    expect(await keyProviders(app, nested.token)).toEqual([])
    expect((await app.inject({ method: 'POST', url: '/tokens/revoke', headers: as(full) })).statusCode).toBe(
      200,
    )
    for (const token of [full, scoped.token, nested.token]) {
      expectErrorShape(
        await app.inject({ method: 'GET', url: '/keys', headers: as(token) }),
        401,
        'token_revoked',
      )
    }

    const other = await registerUser(app)
    const second = await registerUser(app)
    const byOther = await mint(app, as(other))
    const otherId = (await list(app, other)).find((t) => t.current)?.id as string
    // Tokens of another user minted from another token are untouched.
    const bySecond = await mint(app, as(second))
    // A second full token of the same user revokes the first one by id.
    const res = await app.inject({ method: 'DELETE', url: `/tokens/${otherId}`, headers: as(other) })
    expect(res.statusCode, res.body).toBe(200)
    expectErrorShape(
      await app.inject({ method: 'GET', url: '/keys', headers: as(byOther.token) }),
      401,
      'token_revoked',
    )
    expect(await keyProviders(app, bySecond.token)).toEqual([])
  })

  it('tokens minted with APP_SECRET have no parent: revoking a user token leaves them working', async () => {
    const app = await buildTestApp({ APP_SECRET })
    const login = (await registerExternal(app, 'shop', 'u1')).json<{ token: string }>().token
    const backendMinted = await mint(app, appAuth, { app_id: 'shop', external_user_id: 'u1' })
    expect((await app.inject({ method: 'POST', url: '/tokens/revoke', headers: as(login) })).statusCode).toBe(
      200,
    )
    expect(await keyProviders(app, backendMinted.token)).toEqual([])
  })

  it("cannot revoke another user's token (404, and it keeps working)", async () => {
    const app = await buildTestApp()
    const mine = await registerUser(app)
    const theirs = await mint(app, as(await registerUser(app)))
    expectErrorShape(
      await app.inject({ method: 'DELETE', url: `/tokens/${theirs.id}`, headers: as(mine) }),
      404,
      'not_found',
    )
    expect(await keyProviders(app, theirs.token)).toEqual([])
  })

  it('refuses a malformed id with 400 validation_error', async () => {
    const app = await buildTestApp()
    const token = await registerUser(app)
    expectErrorShape(
      await app.inject({ method: 'DELETE', url: '/tokens/nothex', headers: as(token) }),
      400,
      'validation_error',
    )
  })
})

describe('what a scoped token may do outside relay calls', () => {
  it.each([
    ['GET /tokens', { method: 'GET', url: '/tokens' }],
    ['DELETE /tokens/:id', { method: 'DELETE', url: `/tokens/${'0'.repeat(32)}` }],
    ['DELETE /users', { method: 'DELETE', url: '/users' }],
    ['GET /stats', { method: 'GET', url: '/stats' }],
    ['POST /keys/openai', { method: 'POST', url: '/keys/openai', payload: { key: SAMPLE_KEYS.openai } }],
    [
      'POST /keys/openai/rotate',
      { method: 'POST', url: '/keys/openai/rotate', payload: { key: SAMPLE_KEYS.openai } },
    ],
    ['DELETE /keys/openai', { method: 'DELETE', url: '/keys/openai' }],
  ] as const)('%s → 403 token_scope_forbidden, and changes nothing', async (_label, request) => {
    const app = await buildTestApp()
    const full = await registerUser(app)
    await storeKey(app, full, 'openai', SAMPLE_KEYS.openai)
    const scoped = await mint(app, as(full), { providers: ['openai'] })
    const res = await app.inject({ ...request, headers: as(scoped.token) })
    expectErrorShape(res, 403, 'token_scope_forbidden')
    expect(await keyProviders(app, full)).toEqual(['openai'])
    expect(await keyProviders(app, scoped.token)).toEqual(['openai'])
  })

  it('GET /keys shows only its providers’ keys', async () => {
    const app = await buildTestApp()
    const full = await registerUser(app)
    await storeKey(app, full, 'openai', SAMPLE_KEYS.openai)
    await storeKey(app, full, 'anthropic', SAMPLE_KEYS.anthropic)
    const scoped = await mint(app, as(full), { providers: ['anthropic', 'google'] })
    const res = await app.inject({ method: 'GET', url: '/keys', headers: as(scoped.token) })
    expect(res.json()).toMatchObject({ providers: ['anthropic'], keys: [{ provider: 'anthropic' }] })
    expect(await keyProviders(app, (await mint(app, as(full))).token)).toEqual(['anthropic', 'openai'])
  })

  it('POST /tokens/revoke revokes the scoped token itself and nothing else', async () => {
    const app = await buildTestApp()
    const full = await registerUser(app)
    const scoped = await mint(app, as(full))
    const res = await app.inject({ method: 'POST', url: '/tokens/revoke', headers: as(scoped.token) })
    expect(res.statusCode).toBe(200)
    expectErrorShape(
      await app.inject({ method: 'GET', url: '/keys', headers: as(scoped.token) }),
      401,
      'token_revoked',
    )
    expect(await keyProviders(app, full)).toEqual([])
  })

  it('expires at expires_in (token_expired), whatever TOKEN_EXPIRY_DAYS says', async () => {
    const clock = createClock()
    const app = await buildTestApp({ TOKEN_EXPIRY_DAYS: '0' }, { now: clock.now })
    const scoped = await mint(app, as(await registerUser(app)), { expires_in: 60 })
    clock.advance(59_999)
    expect(await keyProviders(app, scoped.token)).toEqual([])
    clock.advance(1)
    expectErrorShape(
      await app.inject({ method: 'GET', url: '/keys', headers: as(scoped.token) }),
      401,
      'token_expired',
    )
  })

  it('with origins, refuses a request from another origin or without one (403 token_scope_origin)', async () => {
    const app = await buildTestApp()
    const scoped = await mint(app, as(await registerUser(app)), { origins: ['https://app.example'] })
    expect(await keyProviders(app, scoped.token, 'https://app.example')).toEqual([])
    for (const origin of ['https://evil.example', 'https://app.example:444', undefined]) {
      const headers = as(scoped.token, origin ? { origin } : {})
      expectErrorShape(await app.inject({ method: 'GET', url: '/keys', headers }), 403, 'token_scope_origin')
    }
  })
})

describe('migration 3', () => {
  it('keeps tokens issued before it working unchanged, as full tokens with an id', async () => {
    await withTempDir(async (dir) => {
      const DB_PATH = join(dir, 'relay.db')
      const clock = createClock()
      const before = await buildTestApp({ DB_PATH }, { now: clock.now })
      const token = await registerUser(before)
      await storeKey(before, token, 'openai', SAMPLE_KEYS.openai)
      await before.close()

      // Turn the file back into a version 2 database, as an older relay left it.
      const db = new Database(DB_PATH)
      db.exec(`
        DROP TABLE connect_codes;
        DROP TABLE app_budget_usage;
        DROP TABLE budget_usage;
        DROP TABLE budgets;
        DROP INDEX request_log_at;
        DROP TABLE external_users;
        DROP INDEX tokens_id;
        DROP INDEX tokens_parent_id;
        ALTER TABLE tokens DROP COLUMN parent_id;
        ALTER TABLE tokens DROP COLUMN scope;
        ALTER TABLE tokens DROP COLUMN id;
        PRAGMA user_version = 2;
      `)
      db.close()

      const after = await buildTestApp({ DB_PATH }, { now: clock.now })
      expect(await keyProviders(after, token)).toEqual(['openai'])
      const res = await after.inject({ method: 'GET', url: '/tokens', headers: as(token) })
      expect(res.json()).toMatchObject({
        tokens: [{ id: expect.stringMatching(/^[0-9a-f]{32}$/), scoped: false }],
      })
      await after.close()
      const check = new Database(DB_PATH, { readonly: true })
      try {
        expect(check.pragma('user_version', { simple: true })).toBe(MIGRATIONS.at(-1)?.version)
      } finally {
        check.close()
      }
    })
  })
})
