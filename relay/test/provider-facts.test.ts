import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findProvider, PROVIDER_IDS } from '../src/index.js'
import { buildTestApp, registerUser, SAMPLE_KEYS, storeKey } from './helpers.js'
import {
  allBaseUrls,
  firstPostRoute,
  NO_LIMITS,
  startUpstream,
  type UpstreamServer,
} from './upstream-server.js'

// The registry is the one home of provider facts; the relay's header allowlists and CORS list are built from it.
// These tests send each provider's own headers through a real relay, so a fact the relay ignores fails here.

const ORIGIN = 'https://app.example.com'
/** A concrete header name for a registry name: `x-stainless-*` → `x-stainless-probe`. */
const concrete = (name: string) => (name.endsWith('*') ? `${name.slice(0, -1)}probe` : name)

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())

it('passes each provider’s SDK request headers upstream and its response headers back, exposing the listed ones', async () => {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), ALLOWED_ORIGINS: ORIGIN })
  const token = await registerUser(app)
  for (const id of PROVIDER_IDS) {
    const provider = findProvider(id)!
    await storeKey(app, token, id, SAMPLE_KEYS[id])
    up.reset()
    const responseHeaders = [...provider.responseHeaders, ...provider.exposeHeaders].map(concrete)
    up.respond((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        ...Object.fromEntries(responseHeaders.map((h) => [h, 'v'])),
      })
      res.end('{}')
    })
    const [method, path] = firstPostRoute(id)
    const sent = provider.requestHeaders.map(concrete)
    const res = await app.inject({
      method,
      url: `/relay/${id}${path}`,
      headers: {
        origin: ORIGIN,
        'x-relay-token': token,
        'content-type': 'application/json',
        ...Object.fromEntries(sent.map((h) => [h, 'v'])),
      },
      payload: '{}',
    })
    expect(res.statusCode, res.body).toBe(200)
    const seen = up.requests[0]!.headers
    for (const name of sent) expect(seen[name], `${id} requestHeaders ${name}`).toBe('v')
    for (const name of responseHeaders) expect(res.headers[name], `${id} responseHeaders ${name}`).toBe('v')
    const exposed = String(res.headers['access-control-expose-headers']).split(/,\s*/)
    for (const name of provider.exposeHeaders) expect(exposed, `${id} exposeHeaders ${name}`).toContain(name)
  }
})

describe.each(PROVIDER_IDS.map((id) => [id, findProvider(id)!] as const))('%s', (_id, provider) => {
  it('states its facts in the registry’s shapes', () => {
    const host = provider.baseUrl === '' ? undefined : new URL(provider.baseUrl).hostname
    expect(provider.hosts, 'hosts').toEqual(host ? expect.arrayContaining([host]) : [])
    for (const h of provider.hosts) expect(new URL(`https://${h}`).host, `hosts ${h}`).toBe(h)
    for (const name of [...provider.requestHeaders, ...provider.responseHeaders, ...provider.exposeHeaders])
      expect(name, 'header name').toMatch(/^[a-z0-9-]+\*?$/)
    for (const name of provider.exposeHeaders) expect(name, 'exposeHeaders are exact').not.toContain('*')
    for (const [sdk, path] of Object.entries(provider.sdkBasePaths))
      expect(path, `sdkBasePaths ${sdk}`).toMatch(/^(\/[a-z0-9]+)*$/)
    for (const name of provider.keyEnv) expect(name, 'keyEnv').toMatch(/^[A-Z][A-Z0-9_]*$/)
    // A probe needs a chat endpoint: the OpenAI wire posts to chatPath.
    if (provider.probe) expect(provider.chatPath, 'probe without chatPath').toBeDefined()
  })
})

it('no two providers claim one host', () => {
  const hosts = PROVIDER_IDS.flatMap((id) => findProvider(id)!.hosts)
  expect(new Set(hosts).size).toBe(hosts.length)
})
