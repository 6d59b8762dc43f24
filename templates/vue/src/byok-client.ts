import { type ChatApp, createChatApp } from './lib/app'

export type { ChatApp }

/** The relay this app talks to: VITE_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = import.meta.env.VITE_BYOK_RELAY_URL || 'http://127.0.0.1:3000'

let app: ChatApp | undefined

/** The byok client, the conversation and the key signal, created on first use. */
export function getChatApp(): ChatApp {
  app ??= createChatApp({
    relayUrl: RELAY_URL,
    appId: import.meta.env.VITE_BYOK_APP_ID || 'byok-app',
    // VITE_BYOK_KEY_ENTRY=relay-page: keys are typed on the relay's own connect page (a popup), not in this app.
    keyEntry: import.meta.env.VITE_BYOK_KEY_ENTRY,
  })
  return app
}
