import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'

const forbidden = (detail: string) =>
  new RelayError('path_forbidden', {
    message: `This path is not forwarded by the relay (${detail})`,
    hint: 'Only inference paths are forwarded; GET /models lists them.',
  })

// RFC 3986 pchar: these sub-delims and ':' '@' stay literal so `models/gemini-2.5-flash:generateContent` survives.
const KEEP_LITERAL = /%(3A|40|21|24|26|27|28|29|2A|2B|2C|3B|3D)/g

// Segments of RFC 3986 pchars that encodeSegment keeps literal, none of them `.` or `..`.
const CANONICAL_PATH = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+)+$/

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(KEEP_LITERAL, (m) => decodeURIComponent(m))
}

/**
 * Decode and check the forwarded path once, so the allowlist sees exactly what goes upstream. Anything that could
 * change meaning between the check and the provider — `.`/`..` segments (raw or percent-encoded), double
 * encoding, backslashes, empty segments (`//`), control characters — is refused rather than "cleaned up".
 * Returns the decoded path (for matching) and its canonical encoding (for forwarding).
 */
export function normalizePath(rawPath: string): { path: string; encoded: string } {
  // Nearly every real path is already canonical: nothing to decode, nothing to refuse.
  if (CANONICAL_PATH.test(rawPath)) return { path: rawPath, encoded: rawPath }
  if (!rawPath.startsWith('/')) throw forbidden('empty path')
  const segments = rawPath.slice(1).split('/')
  const decoded: string[] = []
  for (const raw of segments) {
    if (raw === '') throw forbidden('empty segment')
    let segment: string
    try {
      segment = decodeURIComponent(raw)
    } catch {
      throw forbidden('bad percent-encoding')
    }
    if (segment === '.' || segment === '..') throw forbidden('dot segment')
    // A '%' left after one decode means the client double-encoded something.
    if (hasForbiddenChar(segment)) throw forbidden('encoded separator or control character')
    decoded.push(segment)
  }
  return { path: `/${decoded.join('/')}`, encoded: `/${decoded.map(encodeSegment).join('/')}` }
}

/** '%' (double encoding), '/', '\\' or a control character (C0 or DEL) inside a decoded segment. */
function hasForbiddenChar(segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || c === 0x25 || c === 0x2f || c === 0x5c) return true
  }
  return false
}

type CompiledRoutes = ReadonlyMap<string, readonly RegExp[]>

const compiled = new WeakMap<ProviderSpec, CompiledRoutes>()

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
}

/** `"POST /v1beta/models/*:generateContent"` → method POST, `^/v1beta/models/[^/]+:generateContent$`. */
function compile(provider: ProviderSpec): CompiledRoutes {
  const byMethod = new Map<string, RegExp[]>()
  for (const route of provider.routes) {
    const [method, pattern] = route.split(' ') as [string, string]
    const source = `^${pattern.split('*').map(escapeRegExp).join('[^/]+')}$`
    byMethod.set(method, [...(byMethod.get(method) ?? []), new RegExp(source)])
  }
  return byMethod
}

/** Whether `method path` (a normalised path) is on the provider's inference allowlist. */
export function isAllowedRoute(provider: ProviderSpec, method: string, path: string): boolean {
  let routes = compiled.get(provider)
  if (!routes) {
    routes = compile(provider)
    compiled.set(provider, routes)
  }
  return routes.get(method)?.some((re) => re.test(path)) ?? false
}
