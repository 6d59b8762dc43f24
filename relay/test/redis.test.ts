// REDIS_URL: rate-limit counters and cache invalidation shared by two relay instances (two apps on one SQLite
// file and one Redis), the outage fallback, start-up refusal and the deep health check.
import { join } from 'node:path'
import { freePort, withTempDir } from '@byok/test-kit'
import { useRedisServer } from '@byok/test-kit/redis'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { buildApp, ConfigError, loadConfig } from '../src/index.js'
import {
  buildTestApp,
  expectErrorShape,
  publicDns,
  registerUser,
  SAMPLE_KEYS,
  storeKey,
  testEnv,
} from './helpers.js'

const redis = useRedisServer()

/** Two instances on one database file and one Redis, with their log lines collected. */
async function twoInstances(dir: string, env: Record<string, string> = {}) {
  const logs: string[] = []
  const build = () =>
    buildApp(
      loadConfig(
        testEnv({ DB_PATH: join(dir, 'relay.db'), REDIS_URL: redis().url, LOG_LEVEL: 'info', ...env }),
      ),
      { resolveHost: publicDns, logSink: { write: (line) => logs.push(line) } },
    )
  const a = await build()
  const b = await build()
  return {
    a,
    b,
    logs,
    close: () => Promise.all([a.close(), b.close()]),
  }
}

const version = (app: FastifyInstance, ip = '198.51.100.7') =>
  app.inject({ method: 'GET', url: '/version', remoteAddress: ip })

describe('REDIS_URL', { timeout: 20_000 }, () => {
  it('counts a limit across instances, exactly under concurrency', async () => {
    await withTempDir(async (dir) => {
      const { a, b, close } = await twoInstances(dir, { RATE_LIMIT_GLOBAL_PER_MIN: '7' })
      try {
        const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => version(i % 2 ? a : b)))
        const codes = answers.map((r) => r.statusCode)
        expect(codes.filter((c) => c === 200)).toHaveLength(7)
        expect(codes.filter((c) => c === 429)).toHaveLength(23)
        const limited = answers.find((r) => r.statusCode === 429)
        expect(limited?.headers['ratelimit-policy']).toBe('7;w=60')
        expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0)
        // Another client has its own counter on both.
        expect((await version(b, '203.0.113.50')).headers['ratelimit-remaining']).toBe('6')
      } finally {
        await close()
      }
    })
  })

  it('drops a revoked token on the other instance at once (before the 5 s TTL)', async () => {
    await withTempDir(async (dir) => {
      const { a, b, close } = await twoInstances(dir)
      try {
        const token = await registerUser(a)
        await storeKey(a, token, 'openai', SAMPLE_KEYS.openai)
        const keysOnB = () => b.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
        // B reads (and caches) the token row, then A revokes it.
        expect((await keysOnB()).statusCode).toBe(200)
        const revoke = await a.inject({
          method: 'POST',
          url: '/tokens/revoke',
          headers: { 'x-relay-token': token },
        })
        expect(revoke.statusCode, revoke.body).toBeLessThan(300)
        expectErrorShape(await keysOnB(), 401, 'token_revoked')
      } finally {
        await close()
      }
    })
  })

  it('falls back to per-instance limits during an outage, logging one warning and one recovery line', async () => {
    await withTempDir(async (dir) => {
      const { a, b, logs, close } = await twoInstances(dir, { RATE_LIMIT_GLOBAL_PER_MIN: '3' })
      try {
        await redis().kill()
        // Each instance now counts on its own: 3 each, never unlimited.
        for (const app of [a, b]) {
          const codes: number[] = []
          for (let i = 0; i < 5; i++) codes.push((await version(app, '198.51.100.20')).statusCode)
          expect(codes).toEqual([200, 200, 200, 429, 429])
        }
        const warnings = () => logs.filter((l) => l.includes('Redis unreachable'))
        expect(warnings()).toHaveLength(2) // one per instance
        expect(warnings().join('')).not.toContain('redis://')

        await redis().restart()
        const recovered = () => logs.filter((l) => l.includes('Redis reachable again')).length
        for (let i = 0; i < 200 && recovered() < 2; i++) await new Promise((r) => setTimeout(r, 50))
        expect(recovered()).toBe(2)
        expect(warnings()).toHaveLength(2)
        // Shared again: the counter starts fresh in the new Redis and is seen by both.
        expect((await version(a, '198.51.100.21')).headers['ratelimit-remaining']).toBe('2')
        expect((await version(b, '198.51.100.21')).headers['ratelimit-remaining']).toBe('1')
      } finally {
        await close()
      }
    })
  })

  it('does not wait on a stalled Redis: a command times out, the instance counts alone, then recovers', async () => {
    await withTempDir(async (dir) => {
      const { a, logs, close } = await twoInstances(dir, { RATE_LIMIT_GLOBAL_PER_MIN: '3' })
      try {
        redis().pause()
        const started = performance.now()
        const res = await version(a, '198.51.100.30')
        expect(res.statusCode).toBe(200)
        expect(performance.now() - started).toBeLessThan(2_000) // the 500 ms command timeout, then memory
        expect(logs.filter((l) => l.includes('Redis unreachable'))).toHaveLength(1)
        expect((await a.inject({ method: 'GET', url: '/health?deep=1' })).json()).toMatchObject({
          ok: false,
          checks: { redis: 'fail' },
        })
        redis().resume()
        const recovered = () => logs.some((l) => l.includes('Redis reachable again'))
        for (let i = 0; i < 200 && !recovered(); i++) await new Promise((r) => setTimeout(r, 50))
        expect(recovered()).toBe(true)
      } finally {
        redis().resume()
        await close()
      }
    })
  })

  it('reports redis in /health?deep=1', async () => {
    const app = await buildTestApp({ REDIS_URL: redis().url })
    const res = await app.inject({ method: 'GET', url: '/health?deep=1' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ ok: true, checks: { redis: 'ok', store: 'ok' } })
  })

  it('refuses to start when Redis is unreachable, in one line naming REDIS_URL', async () => {
    const port = await freePort()
    const start = buildApp(loadConfig(testEnv({ REDIS_URL: `redis://:hunter2hunter2@127.0.0.1:${port}` })))
    const error = await start.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as Error).message
    expect(message).toMatch(
      /^REDIS_URL: is set, but Redis at 127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/,
    )
    expect(message).not.toContain('\n')
    expect(message).not.toContain('hunter2')
  })
})
