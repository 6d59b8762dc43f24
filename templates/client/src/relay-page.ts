import { ByokError } from './errors.js'

/** A scoped relay token the relay's connect page handed over: one provider, this page's origin, minutes. */
export interface ConnectedToken {
  token: string
  /** Epoch ms. */
  expiresAt: number
}

/** Message types shared with the relay's connect page (relay/src/routes/connect-page.ts). */
const MESSAGES = {
  ready: 'byok:connect-ready',
  token: 'byok:connect-token',
  done: 'byok:connect-done',
  cancel: 'byok:connect-cancel',
} as const

/** How often the opener checks whether the user closed the window, and how long it waits for a last message. */
const CLOSED_POLL_MS = 400
const LAST_MESSAGE_MS = 300

/**
 * Opens the relay's connect page (`GET /connect`) in a popup: the user types the key on the relay's own origin,
 * never in this page. The page asks for this client's relay token (sent only to the relay's origin, only to that
 * window) and answers with a scoped token for `provider`; null when the user closes or cancels it.
 * @internal
 */
export function openRelayPage(options: {
  relayUrl: string
  appId: string
  provider: string
  userToken: string
}): Promise<ConnectedToken | null> {
  const relayOrigin = new URL(options.relayUrl).origin
  const query = new URLSearchParams({
    app_id: options.appId,
    provider: options.provider,
    origin: globalThis.location.origin,
  })
  const popup = globalThis.open(
    `${options.relayUrl}/connect?${query}`,
    `byok-connect-${options.provider}`,
    'popup,width=480,height=640',
  )
  if (!popup) {
    return Promise.reject(
      new ByokError(
        'The browser blocked the window where the key is entered',
        'popup_blocked',
        0,
        'Allow pop-ups for this site, or ask for the key from a click handler (byok.askForKey).',
      ),
    )
  }
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: ConnectedToken | null) => {
      if (settled) return
      settled = true
      clearInterval(poll)
      globalThis.removeEventListener('message', onMessage)
      resolve(result)
    }
    function onMessage(event: MessageEvent): void {
      // Only the window this client opened, on the relay's origin, speaks for the relay.
      if (event.source !== popup || event.origin !== relayOrigin) return
      const data = event.data as { type?: unknown; token?: unknown; provider?: unknown; expires_at?: unknown }
      if (data?.type === MESSAGES.ready) {
        popup?.postMessage({ type: MESSAGES.token, token: options.userToken }, relayOrigin)
      } else if (
        data?.type === MESSAGES.done &&
        data.provider === options.provider &&
        typeof data.token === 'string' &&
        typeof data.expires_at === 'string'
      ) {
        finish({ token: data.token, expiresAt: Date.parse(data.expires_at) })
      } else if (data?.type === MESSAGES.cancel) {
        finish(null)
      }
    }
    globalThis.addEventListener('message', onMessage)
    const poll = setInterval(() => {
      // The page posts its token and then closes itself: give that message a moment to arrive.
      if (popup.closed) setTimeout(() => finish(null), LAST_MESSAGE_MS)
    }, CLOSED_POLL_MS)
  })
}
