// The user's stored keys as the relay lists them, kept current after every store, delete or "forget", and the
// verified store: the relay checks a new key with the provider before it keeps it (POST /keys/:provider/rotate,
// which stores the key when none was stored yet).

import { providerInfo } from './providers'
import { type Readable, writable } from './store'

/** The part of the byok client this module needs. */
export interface KeyClient {
  token(): Promise<string>
  listKeys(): Promise<{ provider: string; hint: string; created_at: string }[]>
  deleteKey(provider: string): Promise<void>
  forget(): Promise<void>
}

export interface KeyRow {
  provider: string
  /** The relay's masked hint, which already starts with "…" (e.g. "…6789"). */
  hint: string
  createdAt: string
}

export interface KeysState {
  /** null until the first answer from the relay. */
  keys: KeyRow[] | null
  /** A sentence to show next to the list (a failure, or what "forget" did). */
  status: string
}

export interface Keys extends Readable<KeysState> {
  refresh(): Promise<void>
  remove(provider: string): Promise<void>
  forget(): Promise<void>
  has(provider: string): boolean
}

export type StoreOutcome =
  | { ok: true }
  | {
      ok: false
      problem: 'malformed' | 'rejected' | 'unverifiable' | 'unreachable' | 'other'
      message: string
    }

export function createKeys(client: KeyClient, relayUrl: string): Keys {
  const state = writable<KeysState>({ keys: null, status: '' })
  const unreachable = `Can't reach the relay at ${relayUrl} to list your keys.`
  const keys: Keys = {
    ...state,
    async refresh() {
      try {
        const list = await client.listKeys()
        state.set({
          keys: list.map((k) => ({ provider: k.provider, hint: k.hint, createdAt: k.created_at })),
          status: '',
        })
      } catch {
        state.update((s) => ({ ...s, status: unreachable }))
      }
    },
    async remove(provider) {
      try {
        await client.deleteKey(provider)
        state.update((s) => ({
          keys: (s.keys ?? []).filter((k) => k.provider !== provider),
          status: `Your ${providerInfo(provider).name} key was deleted from the relay.`,
        }))
      } catch {
        state.update((s) => ({ ...s, status: unreachable }))
      }
    },
    async forget() {
      try {
        await client.forget()
        state.set({
          keys: [],
          status:
            'This browser is signed out of the relay. Your next message signs it in again and asks for a key.',
        })
      } catch {
        state.update((s) => ({ ...s, status: unreachable }))
      }
    },
    has: (provider) => state.get().keys?.some((k) => k.provider === provider) ?? false,
  }
  return keys
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
