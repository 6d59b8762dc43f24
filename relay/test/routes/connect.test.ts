import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import {
  buildTestApp,
  createClock,
  expectErrorShape,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
  type TestClock,
} from '../helpers.js'

const APP = 'https://app.example'
const OTHER = 'https://other.example'
const REDIRECT = `${APP}/byok/callback?tab=2`
const VERIFIER = 'verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH'
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url')

async function connectApp(clock?: TestClock, env: Record<string, string> = {}) {
  return buildTestApp(
    { ALLOWED_ORIGINS: `${APP},http://localhost:5173`, ...env },
    clock ? { now: clock.now } : {},
  )
}

const page = (app: FastifyInstance, query: Record<string, string>) =>
  app.inject({ method: 'GET', url: `/connect?${new URLSearchParams(query)}` })

const redirectQuery = (extra: Record<string, string> = {}) => ({
  app_id: 'shop',
  provider: 'openai',
  redirect_uri: REDIRECT,
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  ...extra,
})

/** A full token with an openai key stored, and a connect code for it. */
async function issueCode(app: FastifyInstance, body: Record<string, string> = {}) {
  const token = await registerUser(app, 'shop')
  await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
  const res = await app.inject({
    method: 'POST',
    url: '/connect/codes',
    headers: { 'x-relay-token': token },
    payload: {
      provider: 'openai',
      redirect_uri: REDIRECT,
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      ...body,
    },
  })
  expect(res.statusCode, res.body).toBe(200)
  return { token, code: res.json<{ code: string }>().code }
}

const exchange = (app: FastifyInstance, code: string, extra: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url: '/connect/token',
    payload: { code, code_verifier: VERIFIER, redirect_uri: REDIRECT, ...extra },
  })

describe('GET /connect', () => {
  it('serves a self-contained page: nonce CSP, frame-ancestors none, no inline handlers, nothing third-party', async () => {
    const app = await connectApp()
    const res = await page(app, { app_id: 'shop', provider: 'openai', origin: APP })
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    const csp = String(res.headers['content-security-policy'])
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1]
    expect(nonce).toBeDefined()
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(res.headers['x-frame-options']).toBe('DENY')
    // The popup must keep window.opener to answer it.
    expect(res.headers['cross-origin-opener-policy']).toBe('unsafe-none')
    expect(res.headers['cache-control']).toBe('no-store')
    const html = res.body
    // Every executable script and every style carries the nonce; the JSON island is data.
    const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1])
    expect(scripts).toEqual([' type="application/json" id="byok-connect-config"', ` nonce="${nonce}"`])
    expect([...html.matchAll(/<style([^>]*)>/g)].map((m) => m[1])).toEqual([` nonce="${nonce}"`])
    expect(html).not.toMatch(/\son[a-z]+\s*=/i)
    expect(html).not.toMatch(/(src|href|action)\s*=/i)
    expect(html).toContain('OpenAI')
    expect(html).toContain(APP)
    // A new nonce each time.
    const again = await page(app, { app_id: 'shop', provider: 'openai', origin: APP })
    expect(again.headers['content-security-policy']).not.toBe(csp)
  })

  it('redirect mode keeps COOP same-origin and escapes state inside the JSON island', async () => {
    const app = await connectApp()
    const res = await page(app, redirectQuery({ state: '</script><script>alert(1)</script>' }))
    expect(res.statusCode, res.body).toBe(200)
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin')
    expect(res.body).not.toContain('<script>alert(1)')
    expect(res.body).toContain('\\u003c/script>\\u003cscript>alert(1)')
  })

  it.each([
    ['another origin', { origin: OTHER }],
    ['an origin with a path', { origin: `${APP}/` }],
    [
      'a redirect_uri on another origin',
      { redirect_uri: `${OTHER}/cb`, code_challenge: CHALLENGE, code_challenge_method: 'S256' },
    ],
  ])('refuses %s with 403 connect_origin_forbidden', async (_label, extra) => {
    const app = await connectApp()
    expectErrorShape(
      await page(app, { app_id: 'shop', provider: 'openai', ...extra }),
      403,
      'connect_origin_forbidden',
    )
  })

  it.each([
    ['neither origin nor redirect_uri', {}],
    ['both origin and redirect_uri', { origin: APP, ...redirectQuery() }],
    ['a redirect_uri with a fragment', redirectQuery({ redirect_uri: `${REDIRECT}#x` })],
    ['a javascript: redirect_uri', redirectQuery({ redirect_uri: 'javascript:alert(1)' })],
    ['a redirect_uri with credentials', redirectQuery({ redirect_uri: 'https://u:p@app.example/cb' })],
    ['redirect mode without code_challenge', { redirect_uri: REDIRECT }],
    ['the plain PKCE method', redirectQuery({ code_challenge_method: 'plain' })],
    ['a malformed code_challenge', redirectQuery({ code_challenge: 'short' })],
    ['state in popup mode', { origin: APP, state: 'x' }],
  ])('refuses %s with 400 validation_error', async (_label, extra) => {
    const app = await connectApp()
    expectErrorShape(
      await page(app, { app_id: 'shop', provider: 'openai', ...extra }),
      400,
      'validation_error',
    )
  })

  it('refuses an unknown provider', async () => {
    const app = await connectApp()
    const res = await page(app, { app_id: 'shop', provider: 'nope', origin: APP })
    expect(res.json().code).toBe('provider_unknown')
  })

  it('is off (503 not_configured) while ALLOWED_ORIGINS is *: any site could ask for keys', async () => {
    const app = await buildTestApp({ ALLOWED_ORIGINS: '*' })
    expectErrorShape(
      await page(app, { app_id: 'shop', provider: 'openai', origin: APP }),
      503,
      'not_configured',
    )
  })
})

describe('POST /connect/codes and POST /connect/token (redirect mode, PKCE S256)', () => {
  it('exchanges a code once for a token scoped to the provider and the redirect origin, expiring in 15 minutes', async () => {
    const clock = createClock()
    const app = await connectApp(clock)
    const { code } = await issueCode(app)
    const res = await exchange(app, code)
    expect(res.statusCode, res.body).toBe(200)
    const minted = res.json<{ token: string; expires_at: string; providers: string[]; origins: string[] }>()
    expect(minted).toMatchObject({ providers: ['openai'], origins: [APP], models: null })
    expect(Date.parse(minted.expires_at)).toBe(clock.now() + 15 * 60_000)
    const keys = await app.inject({
      method: 'GET',
      url: '/keys',
      headers: { 'x-relay-token': minted.token, origin: APP },
    })
    expect(keys.json()).toMatchObject({ providers: ['openai'] })
    expectErrorShape(
      await app.inject({
        method: 'GET',
        url: '/keys',
        headers: { 'x-relay-token': minted.token, origin: OTHER },
      }),
      403,
      'token_scope_origin',
    )
    // Reuse.
    expectErrorShape(await exchange(app, code), 400, 'connect_code_invalid')
  })

  it('stores a pending code only as its digest', async () => {
    await withTempDir(async (dir) => {
      const DB_PATH = join(dir, 'relay.db')
      const app = await connectApp(undefined, { DB_PATH })
      const { code } = await issueCode(app)
      await app.close()
      const bytes = readFileSync(DB_PATH)
      expect(bytes.includes(createHash('sha256').update(code).digest())).toBe(true)
      expect(bytes.includes(Buffer.from(code.slice('byok_cc_'.length)))).toBe(false)
    })
  })

  it('a wrong verifier spends the code: the right one afterwards gets nothing', async () => {
    const app = await connectApp()
    const { code } = await issueCode(app)
    const wrong = `${VERIFIER.slice(0, -1)}X`
    expectErrorShape(await exchange(app, code, { code_verifier: wrong }), 400, 'connect_verifier_invalid')
    expectErrorShape(await exchange(app, code), 400, 'connect_code_invalid')
  })

  it('an expired code (60 s), an unknown one, or another redirect_uri gets 400 connect_code_invalid', async () => {
    const clock = createClock()
    const app = await connectApp(clock)
    const first = await issueCode(app)
    clock.advance(60_000)
    expectErrorShape(await exchange(app, first.code), 400, 'connect_code_invalid')
    expectErrorShape(await exchange(app, 'A'.repeat(43)), 400, 'connect_code_invalid')
    const second = await issueCode(app)
    expectErrorShape(
      await exchange(app, second.code, { redirect_uri: `${APP}/elsewhere` }),
      400,
      'connect_code_invalid',
    )
    const third = await issueCode(app)
    clock.advance(59_999)
    expect((await exchange(app, third.code)).statusCode).toBe(200)
  })

  it('the token minted from a code is revoked with the token the page acted for; a revoked one mints nothing', async () => {
    const app = await connectApp()
    const { token, code } = await issueCode(app)
    const minted = (await exchange(app, code)).json<{ token: string }>().token
    await app.inject({ method: 'POST', url: '/tokens/revoke', headers: { 'x-relay-token': token } })
    expectErrorShape(
      await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': minted, origin: APP } }),
      401,
      'token_revoked',
    )
    const late = await issueCode(app)
    await app.inject({ method: 'POST', url: '/tokens/revoke', headers: { 'x-relay-token': late.token } })
    expectErrorShape(await exchange(app, late.code), 401, 'token_revoked')
  })

  it('POST /connect/codes: a redirect_uri outside ALLOWED_ORIGINS → 403, no stored key → 400 key_missing, scoped → 403', async () => {
    const app = await connectApp()
    const token = await registerUser(app, 'shop')
    const ask = (headers: Record<string, string>, redirect = REDIRECT) =>
      app.inject({
        method: 'POST',
        url: '/connect/codes',
        headers,
        payload: {
          provider: 'openai',
          redirect_uri: redirect,
          code_challenge: CHALLENGE,
          code_challenge_method: 'S256',
        },
      })
    expectErrorShape(await ask({ 'x-relay-token': token }), 400, 'key_missing')
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    expectErrorShape(await ask({ 'x-relay-token': token }, `${OTHER}/cb`), 403, 'connect_origin_forbidden')
    expectErrorShape(await ask({}), 401, 'token_missing')
    const scoped = await app.inject({
      method: 'POST',
      url: '/tokens',
      headers: { 'x-relay-token': token },
      payload: {},
    })
    expectErrorShape(
      await ask({ 'x-relay-token': scoped.json<{ token: string }>().token }),
      403,
      'token_scope_forbidden',
    )
  })

  it('validates the exchange body (verifier length and alphabet)', async () => {
    const app = await connectApp()
    const { code } = await issueCode(app)
    expectErrorShape(await exchange(app, code, { code_verifier: 'short' }), 400, 'validation_error')
    expectErrorShape(
      await exchange(app, code, { code_verifier: `${'a'.repeat(42)}!` }),
      400,
      'validation_error',
    )
    // A refused body leaves the code usable.
    expect((await exchange(app, code)).statusCode).toBe(200)
  })
})
