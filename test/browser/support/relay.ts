import { buildApp, loadConfig } from '@byok/relay'
import type { MockExchange } from '@byok/relay/mock-providers'
import { logSink, noteSecret } from '../../log-scan.js'
import { type ScriptedOpenAI, startScriptedOpenAI } from './scripted-openai.js'

/**
 * The key the end user types into the key dialog: the only one the mock OpenAI accepts. A real key's shape,
 * because the relay checks the shape on store (and the log scan recognises it).
 */
export const TYPED_KEY = 'sk-proj-BrowserTypedKey0123456789abcdef'

/** The mock streams this many deltas this far apart: slow enough for every delta to reach the DOM on its own. */
export const STREAM = { chunks: 6, delayMs: 200 } as const

const ENCRYPTION_SECRET = 'browser-e2e-encryption-secret-0123456789abcdef'
noteSecret('ENCRYPTION_SECRET', ENCRYPTION_SECRET)

export interface BrowserRelay {
  /** The relay's origin on loopback. */
  readonly url: string
  readonly openai: ScriptedOpenAI
  /** `GET /keys` with `token`, from Node (no Origin header): how the relay judges a token right now. */
  checkToken(token: string): Promise<{ status: number; code: string | undefined }>
  close(): Promise<void>
}

/**
 * The real relay (`buildApp`, in-process, on 127.0.0.1) in front of a mock OpenAI that streams slowly, answering
 * browsers from `allowedOrigins` only. No user is registered: the page bootstraps its own token.
 */
export async function startBrowserRelay(options: {
  allowedOrigins: readonly string[]
  /** Relay calls (`/relay/...`) each token may make per minute; 0 (the default) turns the limit off. */
  relayPerMin?: number
  /** APP_SECRET: users come from the app's backend (`POST /users` with external_user_id), none register anonymously. */
  appSecret?: string
  /** The relay's clock (token expiry); default Date.now. */
  now?: () => number
}): Promise<BrowserRelay> {
  const openai = await startScriptedOpenAI({ ...STREAM, expectedKey: TYPED_KEY })
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  try {
    app = await buildApp(
      loadConfig({
        ENCRYPTION_SECRET,
        DB_PATH: ':memory:',
        LOG_LEVEL: 'trace',
        ALLOWED_ORIGINS: options.allowedOrigins.join(','),
        RATE_LIMIT_GLOBAL_PER_MIN: '0',
        RATE_LIMIT_RELAY_PER_MIN: String(options.relayPerMin ?? 0),
        RATE_LIMIT_REGISTER_PER_HOUR: '0',
        OPENAI_BASE_URL: openai.url,
        ...(options.appSecret === undefined ? {} : { APP_SECRET: options.appSecret }),
      }),
      { logSink, ...(options.now ? { now: options.now } : {}) },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
  } catch (error) {
    await openai.close()
    await app?.close()
    throw error
  }
  const relay = app
  const address = relay.server.address()
  if (address === null || typeof address === 'string') throw new Error('relay is not listening on TCP')
  const url = `http://127.0.0.1:${address.port}`
  return {
    url,
    openai,
    async checkToken(token) {
      const response = await fetch(`${url}/keys`, { headers: { 'x-relay-token': token } })
      const body = (await response.json()) as { code?: string }
      return { status: response.status, code: body.code }
    },
    async close() {
      await openai.close()
      // A browser closed mid-request can leave a keep-alive socket the relay would wait on for its idle timeout.
      const cut = setTimeout(() => relay.server.closeAllConnections(), 500)
      try {
        await relay.close()
      } finally {
        clearTimeout(cut)
      }
    },
  }
}

/** When the mock handed its last byte of `exchange` to the socket, in epoch ms (comparable with `Date.now()`). */
export function readStreamEnd(exchange: MockExchange | undefined): number {
  const last = exchange?.response.writes.at(-1)
  if (!last) throw new Error('the mock sent nothing for this exchange')
  return performance.timeOrigin + last.at
}
