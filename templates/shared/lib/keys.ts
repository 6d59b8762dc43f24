// The verified store: the relay checks a new key with the provider before it keeps it (POST /keys/:provider/rotate,
// which stores the key when none was stored yet), and each way that can fail in the user's words.

import { providerInfo } from './providers'

/** The part of the byok client the verified store needs: the relay token. */
export interface KeyClient {
  token(): Promise<string>
}

export type StoreOutcome =
  | { ok: true }
  | {
      ok: false
      problem: 'malformed' | 'rejected' | 'unverifiable' | 'unreachable' | 'other'
      message: string
    }

/**
 * Stores `key` for `provider` after the provider has accepted it. Unverified storing (POST /keys/:provider) is
 * offered only when the provider could not be asked.
 */
export async function storeKey(
  client: KeyClient,
  relayUrl: string,
  provider: string,
  key: string,
  options: { verify: boolean } = { verify: true },
): Promise<StoreOutcome> {
  const name = providerInfo(provider).name
  let response: Response
  try {
    response = await fetch(
      `${relayUrl}/keys/${encodeURIComponent(provider)}${options.verify ? '/rotate' : ''}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-relay-token': await client.token() },
        body: JSON.stringify({ key: key.trim() }),
      },
    )
  } catch {
    return {
      ok: false,
      problem: 'unreachable',
      message: `Can't reach the relay at ${relayUrl}. Is it running?`,
    }
  }
  if (response.ok) return { ok: true }
  const body = (await response.json().catch(() => ({}))) as { code?: string; error?: string }
  switch (body.code) {
    case 'key_invalid':
      return {
        ok: false,
        problem: 'malformed',
        message: `That doesn't look like ${article(name)} ${name} key. ${name} keys start with “${providerInfo(provider).keyPrefix}”.`,
      }
    case 'key_rejected':
      return {
        ok: false,
        problem: 'rejected',
        message: `${name} rejected this key. Check that it is active and copied completely.`,
      }
    case 'upstream_unreachable':
    case 'upstream_timeout':
      return {
        ok: false,
        problem: 'unverifiable',
        message: `${name} couldn't be reached to check this key. Try again in a moment, or save it without checking.`,
      }
    case 'rate_limited':
      return { ok: false, problem: 'other', message: 'Too many attempts. Wait a minute, then try again.' }
    default:
      return { ok: false, problem: 'other', message: body.error ?? `The relay answered ${response.status}.` }
  }
}

const article = (word: string) => (/^[aeiou]/i.test(word) ? 'an' : 'a')
