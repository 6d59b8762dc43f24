import { type ByokClient, createByok, defineKeyDialog } from './lib/byok'

/** The relay this app talks to: NEXT_PUBLIC_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = process.env.NEXT_PUBLIC_BYOK_RELAY_URL || 'http://127.0.0.1:3000'

let client: ByokClient | undefined

/**
 * One client for the whole app, created on first use in the browser (it keeps the relay token in localStorage
 * and opens <byok-key-dialog> when a provider's key is missing, so it must not run during server rendering).
 */
export function getByok(): ByokClient {
  if (!client) {
    defineKeyDialog()
    client = createByok({ relayUrl: RELAY_URL, appId: process.env.NEXT_PUBLIC_BYOK_APP_ID || 'byok-app' })
  }
  return client
}
