import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import net, { type AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { RelayError } from '../src/errors.js'
import {
  createEgressPolicy,
  type EgressOptions,
  isEgressDenied,
  isPublicAddress,
  type ResolvedAddress,
} from '../src/proxy/egress.js'
import { request } from '../src/proxy/undici.js'

type Answers = ResolvedAddress[] | Error

/** A fake DNS: a table of answers, and a log of every name asked. Nothing here ever reaches a real resolver. */
function fakeDns(table: Record<string, Answers | (() => Answers)>) {
  const calls: string[] = []
  const resolve = async (hostname: string): Promise<ResolvedAddress[]> => {
    calls.push(hostname)
    const entry = table[hostname]
    const answer = typeof entry === 'function' ? entry() : entry
    if (answer === undefined || answer instanceof Error) {
      throw Object.assign(answer ?? new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
    }
    return answer
  }
  return { calls, resolve }
}

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 })
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 })

const dns = fakeDns({
  'api.example.com': [v4('8.8.8.8')],
  'rebind.example.com': [v4('127.0.0.1')],
  'internal.example.com': [v4('10.1.2.3')],
  'mixed.example.com': [v4('8.8.8.8'), v4('192.168.0.1')],
  'mixed6.example.com': [v6('2606:4700:4700::1111'), v6('fe80::1%eth0')],
  'v6.example.com': [v6('fd12::1')],
  'mapped.example.com': [v6('::ffff:10.0.0.1')],
  'nat64.example.com': [v6('64:ff9b::a9fe:a9fe')],
  'empty.example.com': [],
  'nxdomain.example.com': new Error('getaddrinfo ENOTFOUND nxdomain.example.com'),
})

function policy(overrides: Partial<EgressOptions> = {}) {
  const egress = createEgressPolicy({
    trustedOrigins: ['http://192.168.1.20:11434'],
    resolve: dns.resolve,
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 2_000,
    ...overrides,
  })
  onTestFinished(() => egress.close())
  return egress
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => error,
  )
}

// Every outbound TCP or TLS socket goes through net.Socket.prototype.connect; none of the URL checks may open one.
let socketConnect: ReturnType<typeof vi.spyOn>
beforeEach(() => {
  dns.calls.length = 0
  socketConnect = vi.spyOn(net.Socket.prototype, 'connect')
})
afterEach(() => {
  vi.restoreAllMocks()
})

describe('checkUrlResolved: hostile base URLs', () => {
  // [url, names the fake DNS may be asked]
  const hostile: [string, string[]][] = [
    ['http://example.com', []],
    ['https://user:pw@example.com', []],
    ['https://user@example.com', []],
    ['https://example.com?x=1', []],
    ['https://example.com/v1?', []],
    ['https://example.com#frag', []],
    ['https://127.0.0.1', []],
    ['https://127.1', []],
    ['https://2130706433', []],
    ['https://0x7f000001', []],
    ['https://0177.0.0.1', []],
    ['https://0x7f.0.0.1', []],
    ['https://[::1]', []],
    ['https://[::ffff:127.0.0.1]', []],
    ['https://[::ffff:7f00:1]', []],
    ['https://[0:0:0:0:0:ffff:127.0.0.1]', []],
    ['https://[::127.0.0.1]', []],
    ['https://10.0.0.1', []],
    ['https://172.16.0.1', []],
    ['https://172.31.255.255', []],
    ['https://192.168.1.1', []],
    ['https://169.254.169.254', []],
    ['https://[fd00:ec2::254]', []],
    ['https://100.64.0.1', []],
    ['https://100.127.255.254', []],
    ['https://0.0.0.0', []],
    ['https://0', []],
    ['https://[::]', []],
    ['https://[fe80::1]', []],
    ['https://[fc00::1]', []],
    ['https://[ff02::1]', []],
    ['https://224.0.0.1', []],
    ['https://255.255.255.255', []],
    ['https://198.18.0.1', []],
    ['https://[64:ff9b::7f00:1]', []],
    ['https://[2002:7f00:1::]', []],
    ['https://[2001:db8::1]', []],
    ['https://localhost', []],
    ['https://LOCALHOST.', []],
    ['https://localhost:8443/v1', []],
    ['https://%6c%6fcalhost', []],
    ['https://foo.localhost', []],
    ['https://printer.local', []],
    ['https://printer.local.', []],
    ['https://metadata.google.internal', []],
    ['https://metadata', []],
    ['https://router.home.arpa', []],
    ['https://rebind.example.com', ['rebind.example.com']],
    ['https://internal.example.com', ['internal.example.com']],
    ['https://mixed.example.com', ['mixed.example.com']],
    ['https://mixed6.example.com', ['mixed6.example.com']],
    ['https://v6.example.com', ['v6.example.com']],
    ['https://mapped.example.com', ['mapped.example.com']],
    ['https://nat64.example.com/v1', ['nat64.example.com']],
    ['https://empty.example.com', ['empty.example.com']],
    ['https://nxdomain.example.com', ['nxdomain.example.com']],
    ['http://192.168.1.20:11435', []], // trusted origin's host, other port: not trusted
    ['https://192.168.1.20:11434', []], // trusted origin's host, other scheme: not trusted
    ['ftp://example.com', []],
    ['file:///etc/passwd', []],
    ['javascript:alert(1)', []],
    ['not a url', []],
    ['', []],
  ]

  it('has at least 45 cases', () => {
    expect(hostile.length).toBeGreaterThanOrEqual(45)
  })

  it.each(hostile)('refuses %s', async (url, asked) => {
    const error = await rejection(policy().checkUrlResolved(url))
    expect(error).toBeInstanceOf(RelayError)
    expect((error as RelayError).code).toBe('base_url_rejected')
    expect((error as RelayError).statusCode).toBe(400)
    expect(dns.calls).toEqual(asked)
    expect(socketConnect).not.toHaveBeenCalled()
  })

  it('refuses IP literals synchronously in checkUrl, without DNS', () => {
    const egress = policy()
    for (const url of [
      'https://127.0.0.1',
      'https://[::ffff:7f00:1]',
      'https://localhost',
      'https://a.internal',
    ]) {
      expect(() => egress.checkUrl(url)).toThrow(RelayError)
    }
    expect(dns.calls).toEqual([])
  })
})

describe('checkUrlResolved: allowed base URLs', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com', ['api.example.com']],
    ['https://api.example.com/', 'https://api.example.com', ['api.example.com']],
    ['https://api.example.com/v1', 'https://api.example.com/v1', ['api.example.com']],
    ['  https://API.Example.com/v1//  ', 'https://api.example.com/v1', ['api.example.com']],
    ['https://8.8.8.8', 'https://8.8.8.8', []],
    ['https://[::ffff:8.8.8.8]/v1', 'https://[::ffff:808:808]/v1', []],
    ['https://[2606:4700:4700::1111]', 'https://[2606:4700:4700::1111]', []],
    ['http://192.168.1.20:11434', 'http://192.168.1.20:11434', []],
    ['http://192.168.1.20:11434/v1/', 'http://192.168.1.20:11434/v1', []],
  ])('accepts %s as %s', async (url, normalised, asked) => {
    await expect(policy().checkUrlResolved(url)).resolves.toBe(normalised)
    expect(dns.calls).toEqual(asked)
    expect(socketConnect).not.toHaveBeenCalled()
  })

  it('checkUrl accepts a public literal and a trusted private http origin without DNS', () => {
    const egress = policy()
    expect(egress.checkUrl('https://8.8.8.8/v1/')).toBe('https://8.8.8.8/v1')
    expect(egress.checkUrl('http://192.168.1.20:11434')).toBe('http://192.168.1.20:11434')
    expect(dns.calls).toEqual([])
  })

  it('lets a trusted origin with a dotless name through', async () => {
    const egress = policy({ trustedOrigins: ['http://ollama:11434'] })
    await expect(egress.checkUrlResolved('http://ollama:11434/')).resolves.toBe('http://ollama:11434')
    expect(dns.calls).toEqual([])
  })
})

describe('dispatcher: address pinning (loopback only)', () => {
  async function startServer(): Promise<{
    server: Server
    port: number
    seen: string[]
    connections: () => number
  }> {
    const seen: string[] = []
    let connections = 0
    // `Connection: close` forces the next request onto a new connection, hence a new lookup.
    const server = createServer((req, res) => {
      seen.push(req.url ?? '')
      res.setHeader('connection', 'close')
      res.end('ok')
    })
    server.on('connection', () => connections++)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())))
    return { server, port: (server.address() as AddressInfo).port, seen, connections: () => connections }
  }

  const onlyLoopback = (ip: string) => ip === '127.0.0.1'

  it('connects to the checked answer and refuses a rebound one', async () => {
    const { port, seen, connections } = await startServer()
    let answers = 0
    const rebinding = fakeDns({
      'pinned.test': () => (answers++ === 0 ? [v4('127.0.0.1')] : [v4('10.0.0.1')]),
    })
    const egress = policy({ trustedOrigins: [], resolve: rebinding.resolve, isAllowedAddress: onlyLoopback })

    const first = await request(egress.dispatcher, `http://pinned.test:${port}/x`, { method: 'GET' })
    expect(first.statusCode).toBe(200)
    expect(await first.body.text()).toBe('ok')
    // One lookup for one connection: the answer that was checked is the one that was dialled.
    expect(rebinding.calls).toEqual(['pinned.test'])
    expect(socketConnect).toHaveBeenCalledTimes(1) // the spy does see real connects

    const error = await rejection(
      request(egress.dispatcher, `http://pinned.test:${port}/y`, { method: 'GET' }),
    )
    expect(isEgressDenied(error)).toBe(true)
    expect(rebinding.calls).toEqual(['pinned.test', 'pinned.test'])
    expect(seen).toEqual(['/x'])
    expect(connections()).toBe(1)
  })

  it('refuses a host when any answer is not allowed', async () => {
    const { port, seen } = await startServer()
    const mixed = fakeDns({ 'mixed.test': [v4('127.0.0.1'), v4('127.0.0.2')] })
    const egress = policy({ trustedOrigins: [], resolve: mixed.resolve, isAllowedAddress: onlyLoopback })
    const error = await rejection(request(egress.dispatcher, `http://mixed.test:${port}/`, { method: 'GET' }))
    expect(isEgressDenied(error)).toBe(true)
    expect(seen).toEqual([])
  })

  it('refuses a non-allowed IP-literal host without dialling it', async () => {
    const { port, seen } = await startServer()
    const literal = fakeDns({})
    const egress = policy({ trustedOrigins: [], resolve: literal.resolve, isAllowedAddress: onlyLoopback })
    const error = await rejection(request(egress.dispatcher, `http://127.0.0.3:${port}/`, { method: 'GET' }))
    expect(isEgressDenied(error)).toBe(true)
    expect(socketConnect).not.toHaveBeenCalled()
    expect(literal.calls).toEqual([])
    expect(seen).toEqual([])
  })

  it('lets a trusted origin through even though its address is not allowed', async () => {
    const { port, seen } = await startServer()
    const lan = fakeDns({ 'ollama.test': [v4('127.0.0.1')] })
    const egress = policy({
      trustedOrigins: [`http://ollama.test:${port}`],
      resolve: lan.resolve,
      isAllowedAddress: () => false,
    })
    const response = await request(egress.dispatcher, `http://ollama.test:${port}/api`, { method: 'GET' })
    expect(response.statusCode).toBe(200)
    await response.body.dump()
    expect(seen).toEqual(['/api'])
  })

  it('does not follow redirects', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.2/', connection: 'close' })
      res.end()
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => new Promise<void>((done) => server.close(() => done())))
    const { port } = server.address() as AddressInfo
    const egress = policy({
      trustedOrigins: [],
      resolve: fakeDns({}).resolve,
      isAllowedAddress: onlyLoopback,
    })
    const response = await request(egress.dispatcher, `http://127.0.0.1:${port}/`, { method: 'GET' })
    expect(response.statusCode).toBe(302)
    await response.body.dump()
  })
})

describe('isEgressDenied', () => {
  it('finds the refusal directly, in a cause chain and in an AggregateError', () => {
    const denied = Object.assign(new Error('no'), { code: 'BYOK_EGRESS_DENIED' })
    expect(isEgressDenied(denied)).toBe(true)
    expect(isEgressDenied(new Error('wrapped', { cause: denied }))).toBe(true)
    expect(isEgressDenied(new AggregateError([new Error('x'), denied]))).toBe(true)
    expect(isEgressDenied(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false)
    expect(isEgressDenied('BYOK_EGRESS_DENIED')).toBe(false)
    expect(isEgressDenied(undefined)).toBe(false)
  })
})

describe('isPublicAddress', () => {
  it.each([
    ['8.8.8.8', true],
    ['1.1.1.1', true],
    ['93.184.216.34', true],
    ['100.63.255.255', true],
    ['100.128.0.0', true],
    ['172.15.255.255', true],
    ['172.32.0.0', true],
    ['223.255.255.255', true],
    ['2606:4700:4700::1111', true],
    ['2a00:1450:4001:80b::200e', true],
    ['::ffff:8.8.8.8', true],
    ['::ffff:808:808', true],
    ['64:ff9b::808:808', true],
    ['0.0.0.0', false],
    ['0.1.2.3', false],
    ['10.255.255.255', false],
    ['100.64.0.0', false],
    ['100.127.255.255', false],
    ['127.0.0.1', false],
    ['127.255.255.254', false],
    ['169.254.169.254', false],
    ['172.16.0.0', false],
    ['172.31.255.255', false],
    ['192.0.0.8', false],
    ['192.0.2.1', false],
    ['192.88.99.1', false],
    ['192.168.0.1', false],
    ['198.18.0.1', false],
    ['198.19.255.255', false],
    ['198.51.100.1', false],
    ['203.0.113.1', false],
    ['224.0.0.1', false],
    ['239.255.255.250', false],
    ['240.0.0.1', false],
    ['255.255.255.255', false],
    ['::', false],
    ['::1', false],
    ['::127.0.0.1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['::FFFF:A9FE:A9FE', false],
    ['0:0:0:0:0:ffff:10.0.0.1', false],
    ['64:ff9b::7f00:1', false],
    ['64:ff9b::10.0.0.1', false],
    ['64:ff9b:1::808:808', false],
    ['100::1', false],
    ['2001::1', false],
    ['2001:1ff:ffff::1', false],
    ['2001:db8::1', false],
    ['2002:808:808::1', false],
    ['2002:7f00:1::', false],
    ['3fff::1', false],
    ['fc00::1', false],
    ['fd00:ec2::254', false],
    ['fd12::1', false],
    ['fe80::1', false],
    ['fe80::1%eth0', false],
    ['fec0::1', false],
    ['ff02::1', false],
    ['example.com', false],
    ['127.1', false],
    ['0177.0.0.1', false],
    ['', false],
  ])('%s → %s', (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected)
  })
})
