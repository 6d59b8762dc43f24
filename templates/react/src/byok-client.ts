import { type ByokClient, createByok, defineKeyDialog } from './lib/byok'

/** The relay this app talks to: VITE_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = import.meta.env.VITE_BYOK_RELAY_URL || 'http://127.0.0.1:3000'

let client: ByokClient | undefined

/**
 * One client for the whole app, created on first use: it keeps the relay token and opens <byok-key-dialog> when a
 * provider's key is missing. (A function rather than a constant so the chat components are the same file in the
 * Next template, where nothing may touch the browser during server rendering.)
 */
export function getByok(): ByokClient {
  if (!client) {
    defineKeyDialog()
    client = createByok({ relayUrl: RELAY_URL, appId: import.meta.env.VITE_BYOK_APP_ID || 'byok-app' })
  }
  return client
}
