import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, expectErrorShape, SAMPLE_KEYS } from './helpers.js'

const register = { method: 'POST', url: '/users', payload: { app_id: 'x' } } as const

/** Rate-limit windows follow the system clock (@fastify/rate-limit's stores): only Date is faked, timers run. */
function fakeDate() {
  vi.useFakeTimers({ toFake: ['Date'] })
  return { advance: (ms: number) => vi.setSystemTime(Date.now() + ms) }
}

describe('rate limits', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('limits POST /users per IP per hour, with RateLimit-* and Retry-After headers', async () => {
    const clock = fakeDate()
    const app = await buildTestApp({ RATE_LIMIT_REGISTER_PER_HOUR: '3' })
    const remaining: string[] = []
    for (let i = 0; i < 3; i++) {
      const res = await app.inject(register)
      expect(res.statusCode).toBe(200)
      remaining.push(String(res.headers['ratelimit-remaining']))
    }
    expect(remaining).toEqual(['2', '1', '0'])

    clock.advance(10 * 60_000)
    const limited = await app.inject(register)
    expectErrorShape(limited, 429, 'rate_limited')
    expect(limited.headers['ratelimit-limit']).toBe('3')
    expect(limited.headers['ratelimit-remaining']).toBe('0')
    expect(limited.headers['ratelimit-reset']).toBe(String(50 * 60))
    expect(limited.headers['retry-after']).toBe(String(50 * 60))

    // Another client is not affected.
    expect((await app.inject({ ...register, remoteAddress: '203.0.113.9' })).statusCode).toBe(200)

    clock.advance(50 * 60_000)
    expect((await app.inject(register)).statusCode).toBe(200)
  })

  it('counts failed APP_SECRET guesses against the same quota', async () => {
    const app = await buildTestApp({
      RATE_LIMIT_REGISTER_PER_HOUR: '2',
      APP_SECRET: 'operator-app-secret-123',
    })
    for (let i = 0; i < 2; i++) expectErrorShape(await app.inject(register), 401, 'app_secret_invalid')
    const res = await app.inject({
      ...register,
      headers: { authorization: 'Bearer operator-app-secret-123' },
    })
    expectErrorShape(res, 429, 'rate_limited')
  })

  it('limits every route per IP per minute, except /health', async () => {
    const clock = fakeDate()
    const app = await buildTestApp({ RATE_LIMIT_GLOBAL_PER_MIN: '5' })
    for (let i = 0; i < 10; i++) {
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
      expect((await app.inject({ method: 'GET', url: '/health?deep=1' })).statusCode).toBe(200)
    }
    const urls = ['/version', '/version', '/keys', '/nope', '/version']
    for (const url of urls) expect((await app.inject({ method: 'GET', url })).statusCode).not.toBe(429)
    const res = await app.inject({ method: 'GET', url: '/version' })
    expectErrorShape(res, 429, 'rate_limited')
    expect(res.headers['ratelimit-limit']).toBe('5')
    expect(res.headers['retry-after']).toBe('60')

    clock.advance(60_000)
    expect((await app.inject({ method: 'GET', url: '/version' })).statusCode).toBe(200)
  })

  it('is disabled by a limit of 0', async () => {
    const app = await buildTestApp({ RATE_LIMIT_GLOBAL_PER_MIN: '0', RATE_LIMIT_REGISTER_PER_HOUR: '0' })
    for (let i = 0; i < 15; i++) expect((await app.inject(register)).statusCode).toBe(200)
  })
})

describe('CORS', () => {
  const ALLOWED = 'https://app.example.com'
  const preflight = (origin: string) => ({
    method: 'OPTIONS' as const,
    url: '/keys',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-relay-token,content-type',
    },
  })

  it('answers a preflight from an allowed origin', async () => {
    const app = await buildTestApp({ ALLOWED_ORIGINS: `${ALLOWED},https://other.example.com` })
    const res = await app.inject(preflight(ALLOWED))
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED)
    expect(res.headers['access-control-allow-methods']).toBe('GET, POST, DELETE, OPTIONS')
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('x-relay-token')
    expect(String(res.headers.vary)).toMatch(/origin/i)
  })

  it('gives a preflight from another origin no allow-origin header', async () => {
    const app = await buildTestApp({ ALLOWED_ORIGINS: ALLOWED })
    for (const origin of [
      'https://evil.example',
      'https://app.example.com.evil.example',
      'http://app.example.com',
    ]) {
      const res = await app.inject(preflight(origin))
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined()
    }
  })

  it('allows any origin with *', async () => {
    const app = await buildTestApp({ ALLOWED_ORIGINS: '*' })
    const res = await app.inject(preflight('https://anything.example'))
    expect(res.headers['access-control-allow-origin']).toBe('*')
  })

  it('does not spend rate-limit quota on preflights', async () => {
    const app = await buildTestApp({ RATE_LIMIT_GLOBAL_PER_MIN: '1' })
    for (let i = 0; i < 5; i++) expect((await app.inject(preflight(ALLOWED))).statusCode).toBe(204)
    expect((await app.inject({ method: 'GET', url: '/version' })).statusCode).toBe(200)
  })

  it('keeps error responses readable by an allowed page (401, 429) and exposes the rate-limit headers', async () => {
    const app = await buildTestApp({ ALLOWED_ORIGINS: ALLOWED, RATE_LIMIT_GLOBAL_PER_MIN: '1' })
    const headers = { origin: ALLOWED }
    const unauthorised = await app.inject({
      method: 'POST',
      url: '/keys/openai',
      headers,
      payload: { key: SAMPLE_KEYS.openai },
    })
    expectErrorShape(unauthorised, 401, 'token_missing')
    expect(unauthorised.headers['access-control-allow-origin']).toBe(ALLOWED)
    expect(String(unauthorised.headers['access-control-expose-headers'])).toContain('retry-after')
    const limited = await app.inject({ method: 'GET', url: '/keys', headers })
    expectErrorShape(limited, 429, 'rate_limited')
    expect(limited.headers['access-control-allow-origin']).toBe(ALLOWED)
  })
})

describe('security headers', () => {
  it.each([
    ['a success', { method: 'GET', url: '/version' }],
    ['a 401', { method: 'GET', url: '/keys' }],
    ['a 404', { method: 'GET', url: '/nope' }],
    ['a 400', { method: 'POST', url: '/users', payload: {} }],
  ] as const)('are on %s', async (_label, request) => {
    const app = await buildTestApp()
    const res = await app.inject(request)
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.headers['referrer-policy']).toBe('no-referrer')
  })
})
