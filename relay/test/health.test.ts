import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { openSqliteStore, RELAY_VERSION, type Store } from '../src/index.js'
import { buildTestApp } from './helpers.js'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string
}

/** The real in-memory store with a ping that fails, as a dead disk or a dropped connection would. */
function storeWithBrokenPing(): Store {
  const store = openSqliteStore(':memory:')
  return { ...store, ping: () => Promise.reject(new Error('disk I/O error')) }
}

describe('GET /health', () => {
  it('answers 200 with ok, version and no checks by default', async () => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/health' })
    expect(res.statusCode).toBe(200)
    const body = res.json()
    expect(body).toMatchObject({ ok: true, version: pkg.version, mode: 'production', checks: {} })
    expect(typeof body.uptime_s).toBe('number')
  })

  it.each(['/health?deep=1', '/health?deep=true'])(
    '%s round-trips the store and the keyring',
    async (url) => {
      const app = await buildTestApp()
      const res = await app.inject({ method: 'GET', url })
      expect(res.statusCode).toBe(200)
      expect(res.json()).toMatchObject({ ok: true, checks: { store: 'ok', crypto: 'ok' } })
    },
  )

  it('answers 503 with the failing check when the store is down, without the error details', async () => {
    const app = await buildTestApp({}, { store: storeWithBrokenPing() })
    const shallow = await app.inject({ method: 'GET', url: '/health' })
    expect(shallow.statusCode).toBe(200)
    const res = await app.inject({ method: 'GET', url: '/health?deep=1' })
    expect(res.statusCode).toBe(503)
    expect(res.json()).toMatchObject({ ok: false, checks: { store: 'fail', crypto: 'ok' } })
    expect(res.body).not.toContain('disk I/O')
  })

  it('needs no token and no body', async () => {
    const app = await buildTestApp({ APP_SECRET: 'operator-app-secret-123' })
    expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200)
  })
})

describe('GET /version', () => {
  it('reports the package version and the byok-relay API it speaks', async () => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/version' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ name: 'byok-relay', version: pkg.version, api: 'byok-relay/1.5' })
    expect(RELAY_VERSION).toBe(pkg.version)
  })
})
