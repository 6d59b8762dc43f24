import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ResolvedAddress } from '../../src/proxy/egress.js'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS } from '../helpers.js'
import { NO_LIMITS, startUpstream, type UpstreamServer } from '../upstream-server.js'

const KEY = SAMPLE_KEYS['openai-compatible']
let a: UpstreamServer
let b: UpstreamServer
beforeAll(async () => {
  ;[a, b] = await Promise.all([startUpstream(), startUpstream()])
})
afterAll(() => Promise.all([a.close(), b.close()]))
beforeEach(() => {
  a.reset()
  b.reset()
})

type Listing = { keys: { provider: string; base_url?: string }[] }

async function setup(
  env: Record<string, string> = {},
  resolveHost?: (host: string) => Promise<ResolvedAddress[]>,
) {
  // A and B are operator-trusted, so http and loopback are allowed for them (SPEC §3.6, TRUSTED_UPSTREAMS).
  const app = await buildTestApp(
    { ...NO_LIMITS, TRUSTED_UPSTREAMS: `${a.origin},${b.origin}`, ...env },
    resolveHost ? { resolveHost } : {},
  )
  const token = await registerUser(app)
  const headers = { 'x-relay-token': token }
  const store = (payload: Record<string, string>, extra: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/keys/openai-compatible', headers: { ...headers, ...extra }, payload })
  const call = (baseUrl?: string) =>
    app.inject({
      method: 'POST',
      url: '/relay/openai-compatible/v1/chat/completions',
      headers: {
        ...headers,
        'content-type': 'application/json',
        ...(baseUrl ? { 'x-relay-base-url': baseUrl } : {}),
      },
      payload: '{"model":"llama3"}',
    })
  const listing = async () =>
    (await app.inject({ method: 'GET', url: '/keys', headers })).json<Listing>().keys
  return { app, token, store, call, listing }
}

function expectOnlyAt(server: UpstreamServer, count: number): void {
  expect(server.requests).toHaveLength(count)
  for (const seen of server.requests) {
    expect(seen.url).toBe('/v1/chat/completions')
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`)
    expect(seen.headers['x-relay-base-url']).toBeUndefined()
  }
}

describe('a base URL bound at store time', () => {
  it('sends every call there, and refuses a call naming another URL', async () => {
    const { store, call, listing } = await setup()
    expect((await store({ key: KEY, base_url: `${a.origin}/` })).statusCode).toBe(200)
    expect(await listing()).toEqual([expect.objectContaining({ base_url: a.origin })])

    expect((await call()).statusCode).toBe(200)
    expect((await call(a.origin)).statusCode).toBe(200)
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expectErrorShape(await call(`${a.origin}/other`), 400, 'base_url_rejected')
    expectOnlyAt(a, 2)
    expect(b.connections()).toBe(0)
    expect(await listing()).toEqual([expect.objectContaining({ base_url: a.origin })])
  })

  it('is also taken from x-relay-base-url on POST /keys', async () => {
    const { store, call, listing } = await setup()
    expect((await store({ key: KEY }, { 'x-relay-base-url': a.origin })).statusCode).toBe(200)
    expect((await listing())[0]?.base_url).toBe(a.origin)
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expect(b.connections()).toBe(0)
  })

  it('wins over OPENAI_COMPATIBLE_BASE_URL', async () => {
    const { store, call } = await setup({ OPENAI_COMPATIBLE_BASE_URL: b.origin })
    await store({ key: KEY, base_url: a.origin })
    expect((await call()).statusCode).toBe(200)
    expectOnlyAt(a, 1)
    expect(b.requests).toEqual([])
  })
})

describe('a base URL bound on first use', () => {
  it('binds the first x-relay-base-url and refuses any other afterwards', async () => {
    const { store, call, listing } = await setup()
    expect((await store({ key: KEY })).statusCode).toBe(200)
    expect((await listing())[0]?.base_url).toBeUndefined()

    expect((await call(a.origin)).statusCode).toBe(200)
    expect((await listing())[0]?.base_url).toBe(a.origin)
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expect((await call()).statusCode).toBe(200)
    expectOnlyAt(a, 2)
    expect(b.connections()).toBe(0)
    expect((await listing())[0]?.base_url).toBe(a.origin)
  })

  it('400 base_url_rejected with no bound URL, no header and no OPENAI_COMPATIBLE_BASE_URL', async () => {
    const { store, call, listing } = await setup()
    await store({ key: KEY })
    expectErrorShape(await call(), 400, 'base_url_rejected')
    expect(a.connections() + b.connections()).toBe(0)
    expect((await listing())[0]?.base_url).toBeUndefined()
  })

  it('uses OPENAI_COMPATIBLE_BASE_URL when nothing is bound, binds the key to it, and never lists it', async () => {
    const { store, call, listing } = await setup({ OPENAI_COMPATIBLE_BASE_URL: `${a.origin}/v1` })
    await store({ key: KEY })
    expect((await call()).statusCode).toBe(200)
    expect(a.requests.map((r) => r.url)).toEqual(['/v1/v1/chat/completions'])
    // Bound: another URL is refused now. The operator's URL (maybe internal) is not shown to the user.
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expect(b.connections()).toBe(0)
    expect((await listing())[0]?.base_url).toBeUndefined()
  })
})

// Issue 17 item 1: with the operator URL set and a key stored without base_url, a stolen token plus
// x-relay-base-url used to deliver the key to the attacker's host and bind it there for the victim's later calls.
describe('a key served by OPENAI_COMPATIBLE_BASE_URL (issue 17 item 1)', () => {
  async function victim() {
    const s = await setup({ OPENAI_COMPATIBLE_BASE_URL: a.origin })
    expect((await s.store({ key: KEY })).statusCode).toBe(200)
    return s
  }

  it('refuses x-relay-base-url naming another host before the key was ever used', async () => {
    const { call, listing } = await victim()
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expect(b.connections()).toBe(0)
    expect((await listing())[0]?.base_url).toBeUndefined()
    // The victim's next ordinary call still goes to the operator's endpoint.
    expect((await call()).statusCode).toBe(200)
    expectOnlyAt(a, 1)
    expect(b.connections()).toBe(0)
  })

  it('refuses another host after the operator URL served the key, and accepts the operator URL by name', async () => {
    const { call } = await victim()
    expect((await call()).statusCode).toBe(200)
    expect((await call(`${a.origin}/`)).statusCode).toBe(200)
    expectErrorShape(await call(b.origin), 400, 'base_url_rejected')
    expectOnlyAt(a, 2)
    expect(b.connections()).toBe(0)
  })

  it('refuses the same through POST /relay with model "openai-compatible/…"', async () => {
    const { app, token } = await victim()
    const viaModel = (baseUrl?: string) =>
      app.inject({
        method: 'POST',
        url: '/relay',
        headers: {
          'x-relay-token': token,
          'content-type': 'application/json',
          ...(baseUrl ? { 'x-relay-base-url': baseUrl } : {}),
        },
        payload: '{"model":"openai-compatible/llama3"}',
      })
    expectErrorShape(await viaModel(b.origin), 400, 'base_url_rejected')
    expect(b.connections()).toBe(0)
    expect((await viaModel()).statusCode).toBe(200)
    expectErrorShape(await viaModel(b.origin), 400, 'base_url_rejected')
    expect(a.requests.map((r) => r.url)).toEqual(['/chat/completions'])
    expect(b.connections()).toBe(0)
  })
})

describe('DNS rebinding', () => {
  it('refuses at connect time a host that resolved publicly at store time', async () => {
    // An untrusted https URL on A's port: if the pinned check failed, A would see the TLS handshake.
    const host = `https://rebind.example.com:${a.port}`
    const answers: ResolvedAddress[][] = [[{ address: '93.184.216.34', family: 4 }]]
    const asked: string[] = []
    const resolve = async (hostname: string) => {
      asked.push(hostname)
      return answers.shift() ?? [{ address: '127.0.0.1', family: 4 }]
    }
    const { store, call, listing } = await setup({ TRUSTED_UPSTREAMS: '' }, resolve)
    expect((await store({ key: KEY, base_url: host })).statusCode).toBe(200)
    expect((await listing())[0]?.base_url).toBe(host)
    expectErrorShape(await call(), 400, 'base_url_rejected')
    expect(asked).toEqual(['rebind.example.com', 'rebind.example.com'])
    expect(a.connections()).toBe(0)
  })
})
