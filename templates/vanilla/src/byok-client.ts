import { createByok } from './lib/byok'
import { createKeys, type Keys } from './lib/keys'
import { type ChatSession, createChatSession } from './lib/session'

/** The relay this app talks to: VITE_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = (import.meta.env.VITE_BYOK_RELAY_URL || 'http://127.0.0.1:3000').replace(
  /\/+$/,
  '',
)

export interface ChatApp {
  keys: Keys
  chat: ChatSession
}

let app: ChatApp | undefined

/**
 * The chat's shared state, created on first use: the byok client (it keeps the relay token), the user's keys as
 * the relay lists them, and the conversation.
 */
export function getChatApp(): ChatApp {
  if (!app) {
    // The session asks for keys itself (lib/key-dialog), so the client never opens a prompt of its own.
    const client = createByok({
      relayUrl: RELAY_URL,
      appId: import.meta.env.VITE_BYOK_APP_ID || 'byok-app',
      promptForKey: async () => null,
    })
    const keys = createKeys(client, RELAY_URL)
    app = { keys, chat: createChatSession({ client, keys, relayUrl: RELAY_URL }) }
  }
  return app
}
