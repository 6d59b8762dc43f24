import { RelayError } from '../errors.js'

/**
 * The syntactic half of the custom-endpoint policy (SPEC §3.6): https, no credentials, no query or fragment,
 * unless the origin is one the operator trusts. Returns the normalised URL (no trailing slash).
 */
export function checkBaseUrlShape(raw: string, trustedOrigins: readonly string[]): string {
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new RelayError('base_url_rejected', { message: 'base_url is not a valid URL' })
  }
  const trusted = trustedOrigins.includes(url.origin)
  if (url.protocol !== 'https:' && !(trusted && url.protocol === 'http:')) {
    throw new RelayError('base_url_rejected', {
      message: 'base_url must use https',
      hint: 'An operator can allow an http endpoint with TRUSTED_UPSTREAMS.',
    })
  }
  if (url.username || url.password) {
    throw new RelayError('base_url_rejected', { message: 'base_url must not contain credentials' })
  }
  if (url.search || url.hash) {
    throw new RelayError('base_url_rejected', { message: 'base_url must not contain a query or fragment' })
  }
  return url.href.replace(/\/+$/, '')
}
