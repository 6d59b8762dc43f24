/**
 * Which headers cross the relay. Both directions are allowlists: an unknown header is dropped, so no client
 * credential (Authorization, x-api-key, cookies, …) can reach a provider and no provider cookie or CORS header
 * reaches the browser.
 */
import { PROVIDERS } from '../providers/index.js'

// Client → provider. The provider key is added separately from the registry's `auth` field; the headers only some
// provider's SDKs send (anthropic-version, x-stainless-*, …) are its `requestHeaders`.
const [REQUEST_EXACT, REQUEST_PREFIXES] = splitNames([
  'content-type',
  'accept',
  'idempotency-key',
  ...[...PROVIDERS.values()].flatMap((p) => p.requestHeaders),
])

// Provider → client: content description, request ids and rate-limit state, which SDKs surface to users. The
// CDN's request ids are listed here; each provider's own headers are its `responseHeaders`.
const [RESPONSE_EXACT, RESPONSE_PREFIXES] = splitNames([
  'content-type',
  'content-length',
  'content-disposition',
  'content-encoding',
  'retry-after',
  'cf-ray',
  'x-amzn-requestid*',
  'ratelimit-*',
  ...[...PROVIDERS.values()].flatMap((p) => p.responseHeaders),
])

/** The registry's header syntax (a trailing `*` matches any suffix) as exact names and prefixes, once at load. */
function splitNames(names: readonly string[]): [ReadonlySet<string>, readonly string[]] {
  const prefixes = names.filter((n) => n.endsWith('*')).map((n) => n.slice(0, -1))
  return [new Set(names.filter((n) => !n.endsWith('*'))), [...new Set(prefixes)]]
}

type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>

function allowed(name: string, exact: ReadonlySet<string>, prefixes: readonly string[]): boolean {
  return exact.has(name) || prefixes.some((p) => name.startsWith(p))
}

/** The client headers that may go upstream, on top of `defaults` (which the client may override). */
export function pickRequestHeaders(
  headers: IncomingHeaders,
  defaults: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...defaults }
  // for…in rather than Object.entries: this runs on every relay call and allocates nothing per header.
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || !allowed(name, REQUEST_EXACT, REQUEST_PREFIXES)) continue
    out[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return out
}

/** The provider headers that may reach the client, written into `into` (over what it holds) and returned. */
export function pickResponseHeaders(
  headers: IncomingHeaders,
  into: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  const out = into
  for (const name in headers) {
    const value = headers[name]
    if (value === undefined || !allowed(name, RESPONSE_EXACT, RESPONSE_PREFIXES)) continue
    out[name] = value
  }
  return out
}

/**
 * Query parameters that carry credentials (Gemini's `?key=`), compared case-insensitively (`KEY`, `Api_Key`):
 * stripped so the stored key is the only one sent, and so a relay token sent as `?token=` never leaves.
 */
const CREDENTIAL_PARAMS = new Set([
  'key',
  'api_key',
  'api-key',
  'apikey',
  'access_token',
  'token',
  'x-api-key',
  'x-goog-api-key',
])

export function stripCredentialParams(search: string): string {
  if (search === '') return ''
  const params = new URLSearchParams(search)
  for (const name of [...params.keys()]) {
    if (CREDENTIAL_PARAMS.has(name.toLowerCase())) params.delete(name)
  }
  const rest = params.toString()
  return rest === '' ? '' : `?${rest}`
}
