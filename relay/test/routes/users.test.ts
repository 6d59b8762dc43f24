import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
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

describe('POST /users', () => {
  it('returns a prefixed token that expires in 90 days', async () => {
    const clock = createClock()
    const app = await buildTestApp({}, { now: clock.now })
    const res = await app.inject({ method: 'POST', url: '/users', payload: { app_id: 'my-app' } })
    expect(res.statusCode).toBe(200)
    const body = res.json<{ token: string; expires_at: string }>()
    expect(Object.keys(body).sort()).toEqual(['expires_at', 'token'])
    expect(body.token).toMatch(/^byok_rt_[A-Za-z0-9_-]{43}$/)
    expect(body.expires_at).toBe(new Date(clock.now() + 90 * DAY_MS).toISOString())
  })

  it('returns expires_at null when TOKEN_EXPIRY_DAYS=0', async () => {
    const app = await buildTestApp({ TOKEN_EXPIRY_DAYS: '0' })
    const res = await app.inject({ method: 'POST', url: '/users', payload: { app_id: 'my-app' } })
    expect(res.json()).toMatchObject({ expires_at: null })
  })

  const json = { 'content-type': 'application/json' }
  it.each([
    ['missing app_id', 400, 'validation_error', { payload: {} }],
    ['empty app_id', 400, 'validation_error', { payload: { app_id: '' } }],
    ['numeric app_id', 400, 'validation_error', { payload: { app_id: 42 } }],
    ['boolean app_id', 400, 'validation_error', { payload: { app_id: true } }],
    ['array app_id', 400, 'validation_error', { payload: { app_id: ['x'] } }],
    ['control characters in app_id', 400, 'validation_error', { payload: { app_id: 'a\u0000b' } }],
    ['a JSON array body', 400, 'validation_error', { payload: '[]', headers: json }],
    ['malformed JSON', 400, 'validation_error', { payload: '{"app_id":', headers: json }],
    [
      'text/plain body',
      415,
      'unsupported_media_type',
      { payload: 'x', headers: { 'content-type': 'text/plain' } },
    ],
    [
      'form body',
      415,
      'unsupported_media_type',
      { payload: 'app_id=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    ],
  ])('%s → %i %s', async (_label, status, code, request) => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'POST', url: '/users', ...request })
    expectErrorShape(res, status, code)
  })

  it('names the missing field in the message', async () => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'POST', url: '/users', payload: {} })
    expect(expectErrorShape(res, 400, 'validation_error').error).toContain('app_id')
  })

  it('refuses a body over REQUEST_BODY_LIMIT_BYTES with 413 body_too_large', async () => {
    const app = await buildTestApp({ REQUEST_BODY_LIMIT_BYTES: '1024' })
    const res = await app.inject({ method: 'POST', url: '/users', payload: { app_id: 'a'.repeat(2048) } })
    expectErrorShape(res, 413, 'body_too_large')
  })

  it.each([
    ['no Authorization header', undefined, 401],
    ['a wrong secret', `Bearer ${APP_SECRET}x`, 401],
    ['a prefix of the secret', `Bearer ${APP_SECRET.slice(0, -1)}`, 401],
    ['the secret without Bearer', APP_SECRET, 401],
    ['the right secret', `Bearer ${APP_SECRET}`, 200],
  ])('with APP_SECRET set, %s → %i', async (_label, authorization, status) => {
    const app = await buildTestApp({ APP_SECRET })
    const headers = authorization === undefined ? {} : { authorization }
    const res = await app.inject({ method: 'POST', url: '/users', headers, payload: { app_id: 'x' } })
    if (status === 200) expect(res.statusCode).toBe(200)
    else expect(expectErrorShape(res, status, 'app_secret_invalid').error).not.toContain(APP_SECRET)
  })
})

describe('token lifecycle', () => {
  const keys = (token?: string) => ({
    method: 'GET' as const,
    url: '/keys',
    headers: token === undefined ? {} : { 'x-relay-token': token },
  })

  it.each([
    ['no token', undefined, 'token_missing'],
    ['an empty token', '', 'token_missing'],
    ['garbage', 'not-a-token', 'token_invalid'],
    ['a well-formed unknown token', `byok_rt_${'A'.repeat(43)}`, 'token_invalid'],
  ])('%s → 401 %s', async (_label, token, code) => {
    const app = await buildTestApp()
    expectErrorShape(await app.inject(keys(token)), 401, code)
  })

  it('expires tokens after TOKEN_EXPIRY_DAYS', async () => {
    const clock = createClock()
    const app = await buildTestApp({}, { now: clock.now })
    const token = await registerUser(app)
    clock.advance(90 * DAY_MS - 1)
    expect((await app.inject(keys(token))).statusCode).toBe(200)
    clock.advance(1)
    expectErrorShape(await app.inject(keys(token)), 401, 'token_expired')
  })

  it('never expires tokens when TOKEN_EXPIRY_DAYS=0', async () => {
    const clock = createClock()
    const app = await buildTestApp({ TOKEN_EXPIRY_DAYS: '0' }, { now: clock.now })
    const token = await registerUser(app)
    clock.advance(3650 * DAY_MS)
    expect((await app.inject(keys(token))).statusCode).toBe(200)
  })

  it('POST /tokens/revoke makes the token answer 401 token_revoked, and leaves other users alone', async () => {
    const app = await buildTestApp()
    const token = await registerUser(app)
    const other = await registerUser(app)
    const res = await app.inject({
      method: 'POST',
      url: '/tokens/revoke',
      headers: { 'x-relay-token': token },
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
    expectErrorShape(await app.inject(keys(token)), 401, 'token_revoked')
    expect((await app.inject(keys(other))).statusCode).toBe(200)
  })

  it('DELETE /users erases the user, their tokens and their keys', async () => {
    await withTempDir(async (dir) => {
      const DB_PATH = join(dir, 'relay.db')
      const app = await buildTestApp({ DB_PATH })
      const token = await registerUser(app)
      const other = await registerUser(app)
      await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
      await storeKey(app, other, 'anthropic', SAMPLE_KEYS.anthropic)

      const res = await app.inject({ method: 'DELETE', url: '/users', headers: { 'x-relay-token': token } })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toEqual({ ok: true })
      expectErrorShape(await app.inject(keys(token)), 401, 'token_invalid')
      await app.close()

      const db = new Database(DB_PATH, { readonly: true })
      try {
        const rows = db.prepare('SELECT provider FROM keys').all()
        expect(rows).toEqual([{ provider: 'anthropic' }])
        expect(db.prepare('SELECT count(*) AS n FROM users').get()).toEqual({ n: 1 })
        expect(db.prepare('SELECT count(*) AS n FROM tokens').get()).toEqual({ n: 1 })
      } finally {
        db.close()
      }
    })
  })
})

describe('routing errors', () => {
  it.each([
    ['PUT', '/users', 'POST, DELETE'],
    ['GET', '/users', 'POST, DELETE'],
    ['PATCH', '/keys', 'GET'],
    // DELETE is routed there too: it is DELETE /tokens/:id (an id that cannot exist).
    ['GET', '/tokens/revoke', 'POST, DELETE'],
    ['PUT', '/tokens', 'GET, POST'],
  ])('%s %s → 405 method_not_allowed with Allow: %s', async (method, url, allow) => {
    const app = await buildTestApp()
    const res = await app.inject({ method: method as 'PUT', url })
    expectErrorShape(res, 405, 'method_not_allowed')
    expect(res.headers.allow).toBe(allow)
  })

  it.each(['/nope', '/users/extra', '/keys/openai/extra'])('GET %s → 404 not_found', async (url) => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'GET', url })
    expectErrorShape(res, 404, 'not_found')
    expect(res.headers.allow).toBeUndefined()
  })
})
