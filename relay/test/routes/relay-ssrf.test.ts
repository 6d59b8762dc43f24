import net from 'node:net'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ResolvedAddress } from '../../src/proxy/egress.js'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS } from '../helpers.js'
import { NO_LIMITS, startUpstream, type UpstreamServer } from '../upstream-server.js'

const KEY = SAMPLE_KEYS['openai-compatible']
let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())

// The injected resolver: every name answers with non-public addresses (or nothing), so nothing may be dialled.
const v4 = (address: string): ResolvedAddress => ({ address, family: 4 })
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 })
const DNS: Record<string, ResolvedAddress[]> = {
  'loopback.example.com': [v4('127.0.0.1')],
  'private.example.com': [v4('10.1.2.3')],
  'metadata.example.com': [v4('169.254.169.254')],
  'cgnat.example.com': [v4('100.64.0.7')],
  'mixed.example.com': [v4('8.8.8.8'), v4('192.168.0.1')],
  'ula.example.com': [v6('fd00:ec2::254')],
  'linklocal6.example.com': [v6('fe80::1%eth0')],
  'mapped.example.com': [v6('::ffff:10.0.0.1')],
  'nat64.example.com': [v6('64:ff9b::a9fe:a9fe')],
  'empty.example.com': [],
}
const asked: string[] = []
async function resolveHost(hostname: string): Promise<ResolvedAddress[]> {
  asked.push(hostname)
  const answer = DNS[hostname]
  if (answer === undefined)
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
  return answer
}

// `{port}` is the recording server's port: a URL that slipped through would reach it (and be counted).
const HOSTILE = [
  'http://127.0.0.1:{port}',
  'https://127.0.0.1:{port}',
  'http://example.com',
  'https://user:pw@example.com',
  'https://user@example.com',
  'https://127.1:{port}',
  'https://2130706433:{port}',
  'https://0x7f000001:{port}',
  'https://0177.0.0.1:{port}',
  'https://0x7f.0.0.1',
  'https://[::1]:{port}',
  'https://[::ffff:127.0.0.1]:{port}',
  'https://[::ffff:7f00:1]',
  'https://[0:0:0:0:0:ffff:127.0.0.1]',
  'https://10.0.0.1',
  'https://172.16.0.1',
  'https://192.168.1.1',
  'https://169.254.169.254/latest/meta-data',
  'https://[fd00:ec2::254]',
  'https://100.64.0.1',
  'https://0.0.0.0:{port}',
  'https://[::]:{port}',
  'https://[fe80::1]',
  'https://[fc00::1]',
  'https://224.0.0.1',
  'https://255.255.255.255',
  'https://[64:ff9b::7f00:1]',
  'https://[2002:7f00:1::]',
  'https://localhost:{port}',
  'https://LOCALHOST.:{port}',
  'https://foo.localhost',
  'https://printer.local',
  'https://metadata.google.internal',
  'https://metadata',
  'https://router.home.arpa',
  'https://%6c%6fcalhost:{port}',
  'https://loopback.example.com:{port}',
  'https://private.example.com',
  'https://metadata.example.com',
  'https://cgnat.example.com',
  'https://mixed.example.com',
  'https://ula.example.com',
  'https://linklocal6.example.com',
  'https://mapped.example.com',
  'https://nat64.example.com/v1',
  'https://empty.example.com',
  'https://nxdomain.example.com',
  'ftp://example.com',
  'file:///etc/passwd',
  'https://example.com/v1?key=x',
  'not a url',
]

let socketConnect: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  up.reset()
  asked.length = 0
  // Every outbound TCP or TLS socket goes through net.Socket.prototype.connect (inject() opens none itself).
  socketConnect = vi.spyOn(net.Socket.prototype, 'connect')
})
afterEach(() => {
  vi.restoreAllMocks()
})

async function setup() {
  const app = await buildTestApp(NO_LIMITS, { resolveHost })
  const headers = { 'x-relay-token': await registerUser(app) }
  const listing = async () =>
    (await app.inject({ method: 'GET', url: '/keys', headers })).json<{ keys: { base_url?: string }[] }>()
      .keys
  return { app, headers, listing }
}

describe('hostile custom base URLs over HTTP', () => {
  it('has at least 40 cases', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(40)
  })

  it('sanity: the same checks do see a call to a trusted origin', async () => {
    const app = await buildTestApp({ ...NO_LIMITS, TRUSTED_UPSTREAMS: up.origin }, { resolveHost })
    const headers = { 'x-relay-token': await registerUser(app) }
    const payload = { key: KEY, base_url: up.origin }
    expect(
      (await app.inject({ method: 'POST', url: '/keys/openai-compatible', headers, payload })).statusCode,
    ).toBe(200)
    const res = await app.inject({
      method: 'POST',
      url: '/relay/openai-compatible/v1/chat/completions',
      headers,
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(up.connections()).toBe(1)
    expect(socketConnect).toHaveBeenCalled()
  })

  it.each(HOSTILE)('%s is refused at POST /keys and on a relay call', async (template) => {
    const url = template.replaceAll('{port}', String(up.port))
    const { app, headers, listing } = await setup()

    const stored = await app.inject({
      method: 'POST',
      url: '/keys/openai-compatible',
      headers,
      payload: { key: KEY, base_url: url },
    })
    expectErrorShape(stored, 400, 'base_url_rejected')
    expect(await listing()).toEqual([])

    const plain = await app.inject({
      method: 'POST',
      url: '/keys/openai-compatible',
      headers,
      payload: { key: KEY },
    })
    expect(plain.statusCode).toBe(200)
    const relayed = await app.inject({
      method: 'POST',
      url: '/relay/openai-compatible/v1/chat/completions',
      headers: { ...headers, 'content-type': 'application/json', 'x-relay-base-url': url },
      payload: '{"model":"llama3"}',
    })
    expectErrorShape(relayed, 400, 'base_url_rejected')
    const keys = await listing()
    expect(keys).toHaveLength(1)
    expect(keys[0]?.base_url).toBeUndefined()

    expect(up.connections()).toBe(0)
    expect(socketConnect).not.toHaveBeenCalled()
    // Only names the injected resolver knows (or NXDOMAIN) were looked up: nothing reached a real resolver.
    for (const name of asked) expect(name).toMatch(/\.example\.com$/)
  })
})
