import type { Dispatcher } from 'undici'
import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'
import type { Store } from '../store/types.js'
import type { EgressPolicy } from './egress.js'

export interface Destination {
  readonly baseUrl: string
  readonly dispatcher: Dispatcher
}

/**
 * Where a call with this provider's stored key goes. Built-in providers: the operator's `<ID>_BASE_URL` or the
 * registry default, both trusted. Custom endpoints: see `resolveCustomDestination`. `requestedUrl` is the
 * client's `x-relay-base-url` (undefined when the caller may not bind one, e.g. key rotation).
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
}): Promise<Destination> {
  const { provider, operatorUrl, trusted } = input
  if (!provider.customBaseUrl) return { baseUrl: operatorUrl ?? provider.baseUrl, dispatcher: trusted }
  return resolveCustomDestination({ ...input, provider: provider.id })
}

/**
 * Where an `openai-compatible` call goes (SPEC §3.6). The base URL is bound to the stored key: given at store
 * time, or — for clients written for byok-relay — by `x-relay-base-url` on first use. After that, naming any
 * other URL is refused, so a stolen relay token cannot send the key somewhere new. Client-chosen URLs always
 * go through the egress policy (public addresses only, pinned DNS); the operator's own URL is trusted.
 */
export async function resolveCustomDestination(input: {
  readonly boundUrl: string | null
  readonly requestedUrl: string | undefined
  readonly operatorUrl: string | undefined
  readonly userId: string
  readonly provider: string
  readonly store: Store
  readonly egress: EgressPolicy
  readonly trusted: Dispatcher
}): Promise<Destination> {
  const { boundUrl, requestedUrl, operatorUrl, egress } = input
  const requested = requestedUrl === undefined ? undefined : egress.checkUrl(requestedUrl)

  if (boundUrl !== null) {
    if (requested !== undefined && requested !== boundUrl) {
      throw new RelayError('base_url_rejected', {
        message: 'This key is bound to a different base URL',
        hint: 'Store the key again with the new base_url to move it.',
      })
    }
    return { baseUrl: boundUrl, dispatcher: egress.dispatcher }
  }
  if (requested !== undefined) {
    await egress.checkUrlResolved(requested)
    const bound = await input.store.bindBaseUrl(input.userId, input.provider, requested)
    if (bound !== requested) {
      throw new RelayError('base_url_rejected', { message: 'This key is bound to a different base URL' })
    }
    return { baseUrl: requested, dispatcher: egress.dispatcher }
  }
  if (operatorUrl !== undefined) return { baseUrl: operatorUrl, dispatcher: input.trusted }
  throw new RelayError('base_url_rejected', {
    message: 'No base URL is bound to this key',
    hint: 'Store the key with base_url, or send x-relay-base-url on the call.',
  })
}
