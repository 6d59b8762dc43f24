import type { RelayConfig } from '../config.js'
import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'
import { boundElsewhere } from '../services/vault.js'
import type { EgressPolicy } from './egress.js'
import type { UpstreamDispatcher } from './undici.js'

export interface Destination {
  readonly baseUrl: string
  readonly dispatcher: UpstreamDispatcher
  /**
   * Set when the key has no URL bound yet and `baseUrl` is to be bound to it (its first use): a relay call
   * binds it with `vault.bind` before calling; key rotation, which only looks, does not.
   */
  readonly bind?: true
}

/** What decides destinations, fixed at start-up (the route context has it): operator URLs and both dispatchers. */
export interface Outbound {
  readonly config: { readonly proxy: Pick<RelayConfig['proxy'], 'baseUrls'> }
  /** The pooled dispatcher for operator-trusted upstreams. */
  readonly upstream: UpstreamDispatcher
  readonly egress: EgressPolicy
}

/**
 * Where a call with this provider's stored key goes. Built-in providers: the operator's `<ID>_BASE_URL` or the
 * registry default, both trusted. Custom endpoints: see `resolveCustomDestination`. `boundUrl` is the URL the
 * vault holds for the key; `requestedUrl` the client's `x-relay-base-url`.
 */
export async function resolveDestination(
  out: Outbound,
  provider: ProviderSpec,
  boundUrl: string | null,
  requestedUrl: string | undefined,
): Promise<Destination> {
  const operatorUrl = out.config.proxy.baseUrls[provider.id]
  if (!provider.customBaseUrl) return { baseUrl: operatorUrl ?? provider.baseUrl, dispatcher: out.upstream }
  return resolveCustomDestination(out, operatorUrl, boundUrl, requestedUrl)
}

/** `https://x/v1/` and `https://x/v1` name the same endpoint; anything unparsable is compared as sent. */
function sameUrl(raw: string, url: string): boolean {
  try {
    return new URL(raw.trim()).href.replace(/\/+$/, '') === url
  } catch {
    return false
  }
}

/**
 * Where an `openai-compatible` call goes (SPEC §3.6). A key is bound to the first endpoint that serves it: the
 * `base_url` it was stored with, else the operator's `OPENAI_COMPATIBLE_BASE_URL`, else — for clients written
 * for byok-relay — the first `x-relay-base-url`. Once bound, naming any other URL is refused, so a stolen relay
 * token cannot send the key (and the victim's later prompts) somewhere new. The operator's URL is checked
 * before the client's: a client header never outranks the operator. Client-chosen URLs always go through the
 * egress policy (public addresses only, pinned DNS); the operator's own URL is trusted.
 */
async function resolveCustomDestination(
  out: Outbound,
  operatorUrl: string | undefined,
  boundUrl: string | null,
  requestedUrl: string | undefined,
): Promise<Destination> {
  const { egress } = out
  if (boundUrl !== null) {
    if (requestedUrl !== undefined && !sameUrl(requestedUrl, boundUrl)) {
      egress.checkUrl(requestedUrl) // a malformed URL says so; a well-formed one is still not this key's
      throw boundElsewhere()
    }
    // A key bound to the operator's URL keeps its trusted dispatcher (it may be a LAN or loopback host).
    return { baseUrl: boundUrl, dispatcher: boundUrl === operatorUrl ? out.upstream : egress.dispatcher }
  }
  if (operatorUrl !== undefined) {
    if (requestedUrl !== undefined && !sameUrl(requestedUrl, operatorUrl)) {
      throw new RelayError('base_url_rejected', {
        message: 'This key is served by the relay operator’s endpoint; x-relay-base-url may not name another',
        hint: 'Store the key with base_url to use your own endpoint.',
      })
    }
    return { baseUrl: operatorUrl, dispatcher: out.upstream, bind: true }
  }
  if (requestedUrl !== undefined) {
    const requested = egress.checkUrl(requestedUrl)
    await egress.checkUrlResolved(requested)
    return { baseUrl: requested, dispatcher: egress.dispatcher, bind: true }
  }
  throw new RelayError('base_url_rejected', {
    message: 'No base URL is bound to this key',
    hint: 'Store the key with base_url, or send x-relay-base-url on the call.',
  })
}
