import { type ChatApp, createChatApp } from './lib/app'

export type { ChatApp }

/** The relay this app talks to: VITE_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = import.meta.env.VITE_BYOK_RELAY_URL || 'http://127.0.0.1:3000'

/** Where users type keys: VITE_BYOK_KEY_ENTRY=relay-page opens the relay's own connect page in a popup. */
const KEY_ENTRY = import.meta.env.VITE_BYOK_KEY_ENTRY === 'relay-page' ? 'relay-page' : 'dialog'

let app: ChatApp | undefined

/** The byok client, the conversation and the key signal, created on first use. */
export function getChatApp(): ChatApp {
  app ??= createChatApp({
    relayUrl: RELAY_URL,
    appId: import.meta.env.VITE_BYOK_APP_ID || 'byok-app',
    keyEntry: KEY_ENTRY,
  })
  return app
}
