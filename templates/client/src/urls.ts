import { PROVIDER_HOSTS } from './providers.js'

export function urlOf(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
}

/** The relay path for a direct provider URL (`/<provider>/<path>?<query>`), dropping any `key` parameter. */
export function relayPathFor(providerUrl: string): string {
  let url: URL
  try {
    url = new URL(providerUrl)
  } catch {
    throw new Error(`Not an absolute URL: ${providerUrl}`)
  }
  const provider = PROVIDER_HOSTS[url.hostname]
  if (!provider || url.protocol !== 'https:' || url.port !== '' || url.username || url.password) {
    throw new Error(`${url.origin} is not a provider API this helper knows (see PROVIDER_HOSTS)`)
  }
  // Gemini's ?key= would carry a provider key; the relay attaches the stored one instead.
  url.searchParams.delete('key')
  return `${encodeURIComponent(provider)}${url.pathname}${url.search}`
}
