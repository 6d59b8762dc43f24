/** A scoped relay token: one provider, this page's origin, minutes. */
interface ScopedToken {
  token: string
  /** Epoch ms. */
  expiresAt: number
}

/** Lifetime of the scoped tokens minted after the connect page's one expired. */
const SCOPED_TOKEN_SECONDS = 900

/** keyEntry 'relay-page': the connect popup, and the scoped tokens relay calls go with. @internal */
export interface RelayPageTokens {
  /** A live token for `provider` (minted with the full token when none is held); `refused` is dropped first. */
  token(provider: string, refused?: string): Promise<string>
  /** Opens the connect page for `provider`; true once a key is stored and a scoped token came back. */
  connect(provider: string): Promise<boolean>
  clear(): void
}

/** @internal */
export function createRelayPageTokens(deps: {
  relayUrl: string
  appId: string
  fullToken: () => Promise<string>
  mint: (body: object) => Promise<{ token: string; expires_at: string }>
  /** The error for a popup the browser blocked (a ByokError, made by the caller: this chunk imports nothing). */
  blocked: () => Error
}): RelayPageTokens {
  const held = new Map<string, ScopedToken>()
  const minting = new Map<string, Promise<string>>()
  return {
    token(provider, refused) {
      if (refused !== undefined && held.get(provider)?.token === refused) held.delete(provider)
      const current = held.get(provider)
      // A margin, so a token does not expire between here and the relay.
      if (current && current.expiresAt - Date.now() > 30_000) return Promise.resolve(current.token)
      let pending = minting.get(provider)
      if (!pending) {
        const origin = globalThis.location?.origin
        pending = deps
          .mint({
            providers: [provider],
            expires_in: SCOPED_TOKEN_SECONDS,
            ...(origin && origin !== 'null' ? { origins: [origin] } : {}),
          })
          .then((minted) => {
            held.set(provider, { token: minted.token, expiresAt: Date.parse(minted.expires_at) })
            return minted.token
          })
          .finally(() => minting.delete(provider))
        minting.set(provider, pending)
      }
      return pending
    },
    async connect(provider) {
      const connected = await openRelayPage({
        relayUrl: deps.relayUrl,
        appId: deps.appId,
        provider,
        userToken: await deps.fullToken(),
        blocked: deps.blocked,
      })
      if (connected) held.set(provider, connected)
      return connected !== null
    },
    clear: () => held.clear(),
  }
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
 */
function openRelayPage(options: {
  relayUrl: string
  appId: string
  provider: string
  userToken: string
  blocked: () => Error
}): Promise<ScopedToken | null> {
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
  if (!popup) return Promise.reject(options.blocked())
  return new Promise((resolve) => {
    let settled = false
    const finish = (result: ScopedToken | null) => {
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
