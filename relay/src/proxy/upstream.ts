import type { IncomingHttpHeaders } from 'node:http'
import type { Dispatcher } from 'undici'
import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'
import type { Destination } from './custom-endpoint.js'
import { isEgressDenied } from './egress.js'
import { pickRequestHeaders } from './headers.js'
import { Agent, request, type UpstreamDispatcher } from './undici.js'

/**
 * The pooled keep-alive client for providers the operator trusts (built-in base URLs and `<ID>_BASE_URL`).
 * Custom endpoints go through the egress policy's dispatcher instead.
 */
export function createUpstreamAgent(options: { timeoutMs: number }): UpstreamDispatcher {
  return new Agent({
    connectTimeout: options.timeoutMs,
    // SPEC §3.4: no response headers within UPSTREAM_TIMEOUT_MS → 504.
    headersTimeout: options.timeoutMs,
    // Between two body chunks; reasoning models can think for minutes before the next SSE event.
    bodyTimeout: 300_000,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  })
}

/** Map an undici failure to the wire error the client sees. */
export function toUpstreamError(error: unknown): RelayError {
  if (isEgressDenied(error)) {
    return new RelayError('base_url_rejected', {
      message: 'The custom endpoint resolves to an address the relay may not call',
      hint: 'Use a public https endpoint, or ask the operator to add it to TRUSTED_UPSTREAMS.',
    })
  }
  const code = (error as { code?: string } | undefined)?.code
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new RelayError('upstream_timeout', { cause: error })
  }
  return new RelayError('upstream_unreachable', { cause: error })
}

/** One request to a provider, as `forwardCall` sends it. */
export interface UpstreamCall {
  /** e.g. `https://api.openai.com` */
  readonly origin: string
  /** Path (with the base URL's prefix) and query, already checked and encoded. */
  readonly path: string
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: Buffer | undefined
  readonly dispatcher: UpstreamDispatcher
}

/**
 * The upstream request for one relay call, built in one step: the client's allowlisted headers with the
 * provider's auth header set to the stored key, the destination's origin, base path and dispatcher.
 */
export function createUpstreamCall(
  request: { readonly method: string; readonly headers: IncomingHttpHeaders },
  target: { readonly provider: ProviderSpec; readonly pathAndQuery: string },
  destination: Destination,
  key: string,
  body: Buffer | undefined,
): UpstreamCall {
  const { provider } = target
  const { origin, prefix } = splitBaseUrl(destination.baseUrl)
  return {
    origin,
    path: prefix + target.pathAndQuery,
    method: request.method,
    headers: attachKey(pickRequestHeaders(request.headers, provider.defaultHeaders), provider, key),
    body: body && body.length > 0 ? body : undefined,
    dispatcher: destination.dispatcher,
  }
}

/** Sets the provider's auth header to the stored key (e.g. `authorization: Bearer sk-…`) on `headers`. */
function attachKey(
  headers: Record<string, string>,
  provider: ProviderSpec,
  key: string,
): Record<string, string> {
  headers[provider.auth.header] = (provider.auth.prefix ?? '') + key
  return headers
}

type KeyVerdict = 'valid' | 'rejected'

/**
 * Send the provider's cheap verification request with `key`. 401/403 mean the provider refused the key;
 * any 2xx means it works; anything else (rate limits, outages) is an error because nothing was learned.
 */
export async function verifyKey(
  provider: ProviderSpec,
  key: string,
  baseUrl: string,
  dispatcher: UpstreamDispatcher,
): Promise<KeyVerdict> {
  const { method, path, body } = provider.verify
  let response: Dispatcher.ResponseData
  try {
    response = await request(dispatcher, `${baseUrl}${path}`, {
      method,
      headers: attachKey(
        { ...provider.defaultHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        provider,
        key,
      ),
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    throw toUpstreamError(error)
  }
  await response.body.dump()
  if (response.statusCode === 401 || response.statusCode === 403) return 'rejected'
  if (response.statusCode >= 200 && response.statusCode < 300) return 'valid'
  throw new RelayError('upstream_unreachable', {
    message: `${provider.name} answered ${response.statusCode} while verifying the key; the old key was kept`,
    hint: 'Try the rotation again later.',
  })
}

const splitCache = new Map<string, { origin: string; prefix: string }>()

/** `https://host:8443/openai/v1` → origin `https://host:8443`, prefix `/openai/v1` (memoised: few distinct URLs). */
function splitBaseUrl(baseUrl: string): { origin: string; prefix: string } {
  let split = splitCache.get(baseUrl)
  if (!split) {
    const url = new URL(baseUrl)
    split = { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') }
    // Custom endpoints are per user; keep the memo bounded.
    if (splitCache.size >= 1000) splitCache.clear()
    splitCache.set(baseUrl, split)
  }
  return split
}
