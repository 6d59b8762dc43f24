import { createByok } from './lib/byok'
import { createKeys, type Keys } from './lib/keys'
import { type ChatSession, createChatSession } from './lib/session'

/** The relay this app talks to: NEXT_PUBLIC_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = (process.env.NEXT_PUBLIC_BYOK_RELAY_URL || 'http://127.0.0.1:3000').replace(
  /\/+$/,
  '',
)

export interface ChatApp {
  keys: Keys
  chat: ChatSession
}

let app: ChatApp | undefined

/**
 * The chat's shared state, created on first use in the browser (the client keeps a relay token in localStorage,
 * the conversation lives in sessionStorage: neither exists during server rendering).
 */
export function getChatApp(): ChatApp {
  if (!app) {
    // The session asks for keys itself (lib/key-dialog), so the client never opens a prompt of its own.
    const client = createByok({
      relayUrl: RELAY_URL,
      appId: process.env.NEXT_PUBLIC_BYOK_APP_ID || 'byok-app',
      promptForKey: async () => null,
    })
    const keys = createKeys(client, RELAY_URL)
    app = { keys, chat: createChatSession({ client, keys, relayUrl: RELAY_URL }) }
  }
  return app
}
