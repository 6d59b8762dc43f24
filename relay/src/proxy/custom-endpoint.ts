import type { Dispatcher } from 'undici'
import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'
import type { Store } from '../store/types.js'
import type { EgressPolicy } from './egress.js'

interface Destination {
  readonly baseUrl: string
  readonly dispatcher: Dispatcher
}

/**
 * Where a call with this provider's stored key goes. Built-in providers: the operator's `<ID>_BASE_URL` or the
 * registry default, both trusted. Custom endpoints: see `resolveCustomDestination`. `requestedUrl` is the
 * client's `x-relay-base-url`; `bind: false` (key rotation) only looks, it never binds a URL to the key.
 */
export async function resolveDestination(input: {
  readonly provider: ProviderSpec
  readonly boundUrl: string | null
  readonly requestedUrl: string | undefined
  readonly operatorUrl: string | undefined
  readonly userId: string
  readonly store: Store
  readonly egress: EgressPolicy
  readonly trusted: Dispatcher
  readonly bind?: boolean
}): Promise<Destination> {
  const { provider, operatorUrl, trusted } = input
  if (!provider.customBaseUrl) return { baseUrl: operatorUrl ?? provider.baseUrl, dispatcher: trusted }
  return resolveCustomDestination({ ...input, provider: provider.id })
}

const OTHER_URL = {
  message: 'This key is bound to a different base URL',
  hint: 'Store the key again with the new base_url to move it.',
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
async function resolveCustomDestination(input: {
  readonly boundUrl: string | null
  readonly requestedUrl: string | undefined
  readonly operatorUrl: string | undefined
  readonly userId: string
  readonly provider: string
  readonly store: Store
  readonly egress: EgressPolicy
  readonly trusted: Dispatcher
  readonly bind?: boolean
}): Promise<Destination> {
  const { boundUrl, requestedUrl, operatorUrl, egress } = input
  const bind = input.bind ?? true
  const viaPolicy = (baseUrl: string) =>
    // A key bound to the operator's URL keeps its trusted dispatcher (it may be a LAN or loopback host).
    ({ baseUrl, dispatcher: baseUrl === operatorUrl ? input.trusted : egress.dispatcher })

  if (boundUrl !== null) {
    if (requestedUrl !== undefined && !sameUrl(requestedUrl, boundUrl)) {
      egress.checkUrl(requestedUrl) // a malformed URL says so; a well-formed one is still not this key's
      throw new RelayError('base_url_rejected', OTHER_URL)
    }
    return viaPolicy(boundUrl)
  }
  const claim = async (url: string): Promise<void> => {
    if (!bind) return
    if ((await input.store.bindBaseUrl(input.userId, input.provider, url)) !== url) {
      throw new RelayError('base_url_rejected', OTHER_URL)
    }
  }
  if (operatorUrl !== undefined) {
    if (requestedUrl !== undefined && !sameUrl(requestedUrl, operatorUrl)) {
      throw new RelayError('base_url_rejected', {
        message: 'This key is served by the relay operator’s endpoint; x-relay-base-url may not name another',
        hint: 'Store the key with base_url to use your own endpoint.',
      })
    }
    await claim(operatorUrl)
    return { baseUrl: operatorUrl, dispatcher: input.trusted }
  }
  if (requestedUrl !== undefined) {
    const requested = egress.checkUrl(requestedUrl)
    await egress.checkUrlResolved(requested)
    await claim(requested)
    return { baseUrl: requested, dispatcher: egress.dispatcher }
  }
  throw new RelayError('base_url_rejected', {
    message: 'No base URL is bound to this key',
    hint: 'Store the key with base_url, or send x-relay-base-url on the call.',
  })
}
