import { createByok } from './lib/byok'

/** The relay this app talks to: VITE_BYOK_RELAY_URL, or the local dev relay (`npx byok dev`). */
export const RELAY_URL: string = import.meta.env.VITE_BYOK_RELAY_URL || 'http://127.0.0.1:3000'

/** One client for the whole app: it keeps the relay token and asks for a key when one is missing. */
export const byok = createByok({ relayUrl: RELAY_URL, appId: import.meta.env.VITE_BYOK_APP_ID || 'byok-app' })
