import { urlOf } from './urls.js'

/** Marks a `globalThis.fetch` installed by `routeGlobalFetch`, with the relay prefixes it routes. */
const ROUTED = Symbol.for('byok.routeGlobalFetch')

type RoutedFetch = typeof fetch & { [ROUTED]?: readonly string[] }

/**
 * Makes `globalThis.fetch` send calls to `relayPrefix` that carry no relay token through `route`; every other
 * call goes to the fetch that was installed before. Idempotent per prefix.
 */
export function routeGlobalFetch(relayPrefix: string, route: typeof fetch): void {
  const current = globalThis.fetch as RoutedFetch
  if (current[ROUTED]?.includes(relayPrefix)) return
  const routed: RoutedFetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined
    // The helper's own calls carry the token: they pass on to the fetch that was here before.
    const headers = new Headers(init?.headers ?? request?.headers)
    if (urlOf(input).startsWith(relayPrefix) && !headers.has('x-relay-token')) return route(input, init)
    return current(input, init)
  }
  routed[ROUTED] = [...(current[ROUTED] ?? []), relayPrefix]
  globalThis.fetch = routed
}
