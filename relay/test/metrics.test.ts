import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore, type Store } from '../src/index.js'
import { buildTestApp, expectErrorShape, SAMPLE_KEYS, storeKey } from './helpers.js'
import { allBaseUrls, NO_LIMITS, startUpstream, type UpstreamServer } from './upstream-server.js'

const METRICS_TOKEN = 'metrics-token-0123456789abcdef'
const APP_SECRET = 'app-secret-0123456789abcdef'

interface Sample {
  readonly name: string
  readonly labels: Record<string, string>
  readonly value: number
}

/** Prometheus text format → samples (comment lines skipped). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
      if (!match) throw new Error(`unparsable metrics line: ${line}`)
      const labels: Record<string, string> = {}
      for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[key!] = value!
      }
      return { name: match[1]!, labels, value: Number(match[3]) }
    })
}

function sampleValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    ?.value
}

async function scrape(app: FastifyInstance): Promise<{ text: string; samples: Sample[] }> {
  const res = await app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  })
  expect(res.statusCode, res.body).toBe(200)
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
  return { text: res.body, samples: parseMetrics(res.body) }
}

/** An in-memory store that remembers the user ids it created (to prove none becomes a label value). */
function recordingStore(userIds: string[]): Store {
  const store = openSqliteStore(':memory:')
  return {
    ...store,
    createUser: (user, token) => {
      userIds.push(user.id)
      return store.createUser(user, token)
    },
  }
}

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())

describe('GET /metrics', () => {
  it('is not registered without METRICS_TOKEN', async () => {
    const app = await buildTestApp()
    expectErrorShape(await app.inject({ method: 'GET', url: '/metrics' }), 404, 'not_found')
  })

  it.each([
    ['no Authorization', {}],
    ['the wrong token', { authorization: 'Bearer metrics-token-wrong-0123456789' }],
    ['the token without Bearer', { authorization: METRICS_TOKEN }],
    ['the APP_SECRET', { authorization: `Bearer ${APP_SECRET}` }],
  ])('answers 401 metrics_token_invalid with %s', async (_label, headers) => {
    const app = await buildTestApp({ METRICS_TOKEN, APP_SECRET })
    const res = await app.inject({ method: 'GET', url: '/metrics', headers })
    expectErrorShape(res, 401, 'metrics_token_invalid')
    expect(res.body).not.toContain('byok_http_requests_total')
  })

  it('counts a mixed workload by route pattern, provider and status, with no secret in any label', async () => {
    const userIds: string[] = []
    const app = await buildTestApp(
      {
        ...NO_LIMITS,
        ...allBaseUrls(up.origin),
        METRICS_TOKEN,
        APP_SECRET,
        RATE_LIMIT_RELAY_PER_MIN: '3',
        RATE_LIMIT_REGISTER_PER_HOUR: '2',
      },
      { store: recordingStore(userIds) },
    )
    const register = () =>
      app.inject({
        method: 'POST',
        url: '/users',
        headers: { authorization: `Bearer ${APP_SECRET}` },
        payload: { app_id: 'metrics-app' },
      })
    const token = (await register()).json<{ token: string }>().token
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    expect((await register()).statusCode).toBe(200)
    expectErrorShape(await register(), 429, 'rate_limited') // register limiter

    const chat = () =>
      app.inject({
        method: 'POST',
        url: '/relay/openai/v1/chat/completions?trace=raw-url-value',
        headers: { 'content-type': 'application/json', 'x-relay-token': token },
        payload: '{"model":"gpt-4o-mini"}',
      })
    for (let i = 0; i < 3; i++) expect((await chat()).statusCode).toBe(200)
    expectErrorShape(await chat(), 429, 'rate_limited') // relay limiter
    expectErrorShape(
      await app.inject({
        method: 'POST',
        url: '/relay/openai/v1/files',
        headers: { 'x-relay-token': token },
      }),
      403,
      'path_forbidden',
    )
    for (let i = 0; i < 2; i++) {
      expectErrorShape(await app.inject({ method: 'GET', url: '/keys' }), 401, 'token_missing')
    }
    expectErrorShape(await app.inject({ method: 'GET', url: `/users/${token}` }), 404, 'not_found')

    const { text, samples } = await scrape(app)
    const requests = (labels: Record<string, string>) =>
      sampleValue(samples, 'byok_http_requests_total', labels)
    const relayRoute = { method: 'POST', route: '/relay/:provider/*', provider: 'openai' }
    expect(requests({ ...relayRoute, status: '200' })).toBe(3)
    expect(requests({ ...relayRoute, status: '429' })).toBe(1)
    expect(requests({ ...relayRoute, status: '403' })).toBe(1)
    expect(requests({ method: 'GET', route: '/keys', provider: '', status: '401' })).toBe(2)
    expect(requests({ method: 'POST', route: '/keys/:provider', provider: 'openai', status: '200' })).toBe(1)
    expect(requests({ method: 'POST', route: '/users', status: '200' })).toBe(2)
    expect(requests({ method: 'POST', route: '/users', status: '429' })).toBe(1)
    expect(requests({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1)
    expect(sampleValue(samples, 'byok_rate_limit_rejections_total', { limiter: 'relay' })).toBe(1)
    expect(sampleValue(samples, 'byok_rate_limit_rejections_total', { limiter: 'register' })).toBe(1)
    expect(sampleValue(samples, 'byok_upstream_duration_seconds_count', { provider: 'openai' })).toBe(3)
    expect(sampleValue(samples, 'byok_open_streams')).toBe(0)

    const labelValues = samples.flatMap((s) => Object.values(s.labels))
    const secrets = [token, token.slice(8), SAMPLE_KEYS.openai, METRICS_TOKEN, APP_SECRET, ...userIds]
    expect(userIds).toHaveLength(2)
    for (const value of labelValues) {
      for (const secret of secrets) expect(value).not.toContain(secret)
      expect(value).not.toContain('raw-url-value')
      expect(value).not.toContain('byok_rt_')
    }
    for (const secret of secrets) expect(text).not.toContain(secret)
  })

  it('counts open streams while a relay call is in flight', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    up.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {}\n\n')
      void gate.then(() => res.end('data: [DONE]\n\n'))
    })
    const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), METRICS_TOKEN })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    const token = (await app.inject({ method: 'POST', url: '/users', payload: { app_id: 'a' } })).json<{
      token: string
    }>().token
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    const res = await fetch(`${origin}/relay/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-relay-token': token },
      body: '{"model":"gpt-4o-mini","stream":true}',
    })
    expect(res.status).toBe(200)
    expect(sampleValue((await scrape(app)).samples, 'byok_open_streams')).toBe(1)
    release()
    await res.text()
    await expect.poll(async () => sampleValue((await scrape(app)).samples, 'byok_open_streams')).toBe(0)
    up.reset()
  })

  it('counts store errors by operation', async () => {
    const store = openSqliteStore(':memory:')
    const app = await buildTestApp(
      { METRICS_TOKEN },
      { store: { ...store, ping: () => Promise.reject(new Error('disk I/O error')) } },
    )
    expect((await app.inject({ method: 'GET', url: '/health?deep=1' })).statusCode).toBe(503)
    const { samples } = await scrape(app)
    expect(sampleValue(samples, 'byok_store_errors_total', { operation: 'ping' })).toBe(1)
  })
})
