import { lookup as dnsLookup } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { RelayError } from '../errors.js'
import { checkBaseUrlShape } from './base-url.js'
import { EMBEDDED_IPV4_IPV6, GLOBAL_UNICAST_IPV6, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6 } from './ip-ranges.js'
import { Agent, buildConnector, type Connector, type UpstreamDispatcher } from './undici.js'

export interface ResolvedAddress {
  address: string
  family: 4 | 6
}

export interface EgressOptions {
  /** Origins from TRUSTED_UPSTREAMS: http and private addresses allowed, address checks skipped. */
  trustedOrigins: readonly string[]
  /** DNS resolver; default `dns.promises.lookup(host, { all: true, verbatim: true })`. Injected in tests. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>
  /** Which resolved or literal addresses may be dialled; default `isPublicAddress`. */
  isAllowedAddress?: (ip: string) => boolean
  connectTimeoutMs: number
  /** UPSTREAM_TIMEOUT_MS: time to the response headers. */
  headersTimeoutMs: number
}

export interface EgressPolicy {
  /**
   * Synchronous checks of a client-supplied base URL; returns it normalised (no trailing slash) or throws
   * `RelayError('base_url_rejected')`. Rejects non-https (unless trusted), credentials, query or fragment,
   * non-allowed IP literals and local names (localhost, *.local, *.internal, dotless names, …).
   */
  checkUrl(raw: string): string
  /**
   * `checkUrl`, then resolves the host and refuses unless every answer is allowed. A fast, friendly refusal at
   * store time only: DNS can change before the request, so `dispatcher` enforces the same rule at connect time.
   */
  checkUrlResolved(raw: string): Promise<string>
  /**
   * The only dispatcher to use for client-supplied endpoints. Its connect-time lookup resolves the host once,
   * refuses (error code `BYOK_EGRESS_DENIED`, see `isEgressDenied`) if any answer is not allowed, and hands
   * exactly those checked addresses to the socket, so a rebinding resolver cannot swap in a private address.
   * Node's net.connect never calls `lookup` for IP-literal hosts; those are checked by this dispatcher's
   * connector instead, but run `checkUrl` first anyway for a proper 400. Redirects are never followed.
   * Trusted origins bypass the address checks.
   */
  readonly dispatcher: UpstreamDispatcher
  close(): Promise<void>
}

const DENIED = 'BYOK_EGRESS_DENIED'
const BODY_TIMEOUT_MS = 300_000

/** Names that only ever mean "this machine" or "this network" (RFC 6761, RFC 6762, RFC 8375, ICANN .internal). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa']

/**
 * A policy for outbound requests to user-supplied base URLs (SPEC §3.6).
 *
 * @example
 * const egress = createEgressPolicy({ trustedOrigins: config.proxy.trustedUpstreams, connectTimeoutMs: 10_000,
 *   headersTimeoutMs: config.proxy.upstreamTimeoutMs })
 * const base = await egress.checkUrlResolved(userBaseUrl)
 * await request(`${base}/chat/completions`, { dispatcher: egress.dispatcher, method: 'POST', body })
 */
export function createEgressPolicy(options: EgressOptions): EgressPolicy {
  const resolve = options.resolve ?? defaultResolve
  const allowed = options.isAllowedAddress ?? isPublicAddress
  const trusted = new Set(options.trustedOrigins.flatMap(toOrigin))

  function checkUrl(raw: string): string {
    const normalised = checkBaseUrlShape(raw, options.trustedOrigins)
    // An empty `?` or `#` survives checkBaseUrlShape (url.search is ''); refuse it rather than forward it.
    if (/[?#]/.test(normalised)) {
      throw new RelayError('base_url_rejected', { message: 'base_url must not contain a query or fragment' })
    }
    const url = new URL(normalised)
    if (trusted.has(url.origin)) return normalised
    const host = unbracket(url.hostname)
    // WHATWG URL has already rewritten decimal, octal and hex IPv4 forms (2130706433, 0x7f.1, 0177.0.0.1) to dotted.
    if (isIP(host) !== 0) {
      if (!allowed(host)) throw notPublic()
    } else if (isLocalName(host)) {
      throw new RelayError('base_url_rejected', {
        message: 'base_url must name a public host',
        hint: 'An operator can allow a private endpoint with TRUSTED_UPSTREAMS.',
      })
    }
    return normalised
  }

  async function checkUrlResolved(raw: string): Promise<string> {
    const normalised = checkUrl(raw)
    const url = new URL(normalised)
    if (trusted.has(url.origin) || isIP(unbracket(url.hostname)) !== 0) return normalised
    // No answer and a private answer get the same message: no oracle for the relay's internal DNS.
    const answers = await resolve(url.hostname).catch((): ResolvedAddress[] => [])
    if (answers.length === 0 || answers.some((a) => !allowed(a.address))) throw notPublic()
    return normalised
  }

  function createLookup(checked: boolean): LookupFunction {
    return (hostname, lookupOptions, callback) => {
      const family =
        lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family
      resolve(hostname)
        .then((answers) => {
          // Check every answer, not only the ones the socket will try: one private answer refuses the host.
          if (checked && answers.some((a) => !allowed(a.address))) throw deniedError(hostname)
          const usable = family === 4 || family === 6 ? answers.filter((a) => a.family === family) : answers
          if (usable.length === 0) {
            throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
          }
          return usable.map((a) => ({ address: a.address, family: a.family }))
        })
        .then(
          (usable) => {
            const first = usable[0]!
            if (lookupOptions.all) callback(null, usable)
            else callback(null, first.address, first.family)
          },
          (error: NodeJS.ErrnoException) => callback(error, ''),
        )
    }
  }

  const guardedConnect = buildConnector({ timeout: options.connectTimeoutMs, lookup: createLookup(true) })
  const trustedConnect = buildConnector({ timeout: options.connectTimeoutMs, lookup: createLookup(false) })
  const connect: Connector = (connectOptions, callback) => {
    const { protocol, host, hostname } = connectOptions
    if (host !== undefined && trusted.has(`${protocol}//${host}`))
      return trustedConnect(connectOptions, callback)
    // net.connect skips `lookup` for IP literals, so the connector itself must check them.
    if (isIP(hostname) !== 0 && !allowed(hostname)) {
      queueMicrotask(() => callback(deniedError(hostname), null))
      return
    }
    guardedConnect(connectOptions, callback)
  }

  const agent = new Agent({
    connect,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: BODY_TIMEOUT_MS,
  })

  return {
    checkUrl,
    checkUrlResolved,
    dispatcher: agent,
    close: () => agent.close(),
  }
}

/** True only for globally routable unicast addresses; false for anything that is not an IP address. */
export function isPublicAddress(ip: string): boolean {
  const parsed = parseAddress(ip)
  if (parsed === undefined) return false
  if (parsed.version === 4) return isPublicV4(parsed.value)
  if (EMBEDDED_V6.some((range) => inRange(parsed.value, range)))
    return isPublicV4(parsed.value & 0xffff_ffffn)
  return inRange(parsed.value, GLOBAL_V6) && !BLOCKED_V6.some((range) => inRange(parsed.value, range))
}

/** True for the dispatcher's refusal, also when undici wraps it in `cause` or an AggregateError. */
export function isEgressDenied(error: unknown): boolean {
  let current = error
  for (let depth = 0; depth < 8 && typeof current === 'object' && current !== null; depth++) {
    if ((current as { code?: unknown }).code === DENIED) return true
    if (current instanceof AggregateError && current.errors.some(isEgressDenied)) return true
    current = (current as { cause?: unknown }).cause
  }
  return false
}

async function defaultResolve(hostname: string): Promise<ResolvedAddress[]> {
  const answers = await dnsLookup(hostname, { all: true, verbatim: true })
  return answers.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }))
}

function notPublic(): RelayError {
  return new RelayError('base_url_rejected', {
    message: 'base_url must resolve only to public addresses',
    hint: 'An operator can allow a private endpoint with TRUSTED_UPSTREAMS.',
  })
}

function deniedError(host: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`Egress to ${host} refused: not a public address`), { code: DENIED })
}

function toOrigin(value: string): string[] {
  try {
    return [new URL(value).origin]
  } catch {
    return []
  }
}

function unbracket(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
}

function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.+$/, '')
  if (!name.includes('.')) return true
  return LOCAL_SUFFIXES.some((suffix) => name === suffix || name.endsWith(`.${suffix}`))
}

interface Range {
  version: 4 | 6
  value: bigint
  bits: number
}

// Parsed by hand: on Node 20, net.BlockList matches IPv4-mapped IPv6 against IPv4 rules and vice versa.
function parseAddress(ip: string): { version: 4 | 6; value: bigint } | undefined {
  const bare = ip.replace(/%.*$/, '') // zone id, e.g. fe80::1%eth0
  const version = isIP(bare)
  if (version === 4) {
    return { version, value: bare.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) }
  }
  if (version !== 6) return undefined
  let text = bare
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const v4 = parseAddress(dotted[1]!)!.value
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const [head = '', tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return { version, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(`0x${group}`), 0n) }
}

function parseRange(cidr: string): Range {
  const [address = '', bits = ''] = cidr.split('/')
  const parsed = parseAddress(address)
  if (parsed === undefined) throw new Error(`bad range ${cidr}`)
  return { ...parsed, bits: Number(bits) }
}

function inRange(value: bigint, range: Range): boolean {
  const shift = BigInt((range.version === 4 ? 32 : 128) - range.bits)
  return value >> shift === range.value >> shift
}

function isPublicV4(value: bigint): boolean {
  return !BLOCKED_V4.some((range) => inRange(value, range))
}

const BLOCKED_V4 = NON_PUBLIC_IPV4.map(parseRange)
const BLOCKED_V6 = NON_PUBLIC_IPV6.map(parseRange)
const EMBEDDED_V6 = EMBEDDED_IPV4_IPV6.map(parseRange)
const GLOBAL_V6 = parseRange(GLOBAL_UNICAST_IPV6)
