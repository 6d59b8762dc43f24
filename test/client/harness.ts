/// <reference lib="dom" />
// The client helper is browser code typed against the DOM lib; this reference brings that lib into the test program.
import { buildApp, loadConfig } from '@byok/relay'
import {
  anthropicWire,
  geminiWire,
  type MockProvider,
  openaiWire,
  startMockProvider,
  type WireFormat,
} from '@byok/relay/mock-providers'
import { Window } from 'happy-dom'
import { fetch as nodeFetch } from 'undici'
import { logSink, noteSecret } from '../log-scan.js'

const CLIENT_SECRET = 'client-helper-encryption-secret-0123456789'
noteSecret('ENCRYPTION_SECRET', CLIENT_SECRET)

/** The end user's own OpenAI key, in OpenAI's key format (the relay checks the shape on store). */
export const USER_KEY = 'sk-proj-ClientHelperUserKey0123456789'
/** The same user's Anthropic key. */
export const USER_ANTHROPIC_KEY = 'sk-ant-api03-ClientHelperUserKey0123456789'
/** The same user's Gemini key (Google's format: AIza + 35 characters). */
export const USER_GEMINI_KEY = 'AIzaClientHelperUserKey0123456789abcdef'

/** One request the helper sent, as it left the browser side. */
export interface SentRequest {
  readonly method: string
  readonly url: string
  readonly headers: Record<string, string>
  readonly body: string
}

export interface ClientRelay {
  /** The relay's origin on a real loopback socket. */
  readonly url: string
  /** The OpenAI upstream (accepts only USER_KEY). */
  readonly mock: MockProvider
  /** The Anthropic upstream (accepts only USER_ANTHROPIC_KEY). */
  readonly anthropic: MockProvider
  /** The Gemini upstream (accepts only USER_GEMINI_KEY). */
  readonly gemini: MockProvider
  /** Every request made through `fetch` below, in order. */
  readonly sent: SentRequest[]
  /** Real network fetch (Node's undici, whatever the test environment installed) that records each request. */
  readonly fetch: typeof fetch
  close(): Promise<void>
}

/** A Storage stand-in whose every value tests can scan. */
export function createMemoryStorage(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> & {
  readonly values: Map<string, string>
} {
  const values = new Map<string, string>()
  return {
    values,
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, String(value)),
    removeItem: (key) => void values.delete(key),
  }
}

function bodyText(body: RequestInit['body']): string {
  if (body === undefined || body === null) return ''
  if (typeof body === 'string') return body
  if (body instanceof Uint8Array || body instanceof ArrayBuffer)
    return Buffer.from(body as Uint8Array).toString()
  return `[${Object.prototype.toString.call(body)}]`
}

/**
 * A real relay (`buildApp` + `listen` on 127.0.0.1:0, in-memory store, rate limits off) whose OpenAI and Anthropic
 * upstreams are mocks accepting only the user's own keys. Requests go out through undici's fetch (real loopback network) with plain
 * headers, whatever globals a test installed.
 */
export async function startClientRelay(
  mockSettings: { chunks?: number; delayMs?: number } = {},
  /** Relay settings over the defaults below (e.g. a rate limit, APP_SECRET or ALLOWED_ORIGINS under test). */
  relayEnv: Record<string, string> = {},
  /** The upstreams' wire formats; default the plain mocks of test/mocks. */
  wires: { openai: WireFormat; anthropic: WireFormat; google: WireFormat } = {
    openai: openaiWire,
    anthropic: anthropicWire,
    google: geminiWire,
  },
): Promise<ClientRelay> {
  const mock = await startMockProvider(wires.openai, { ...mockSettings, expectedKey: USER_KEY })
  const anthropic = await startMockProvider(wires.anthropic, {
    ...mockSettings,
    expectedKey: USER_ANTHROPIC_KEY,
  })
  const gemini = await startMockProvider(wires.google, { ...mockSettings, expectedKey: USER_GEMINI_KEY })
  const app = await buildApp(
    loadConfig({
      ENCRYPTION_SECRET: CLIENT_SECRET,
      DB_PATH: ':memory:',
      LOG_LEVEL: 'trace',
      ALLOWED_ORIGINS: '*',
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: '0',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
      OPENAI_BASE_URL: mock.url,
      ANTHROPIC_BASE_URL: anthropic.url,
      GOOGLE_BASE_URL: gemini.url,
      ...relayEnv,
    }),
    { logSink },
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('relay is not listening on TCP')
  const sent: SentRequest[] = []

  const recordingFetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const headers: Record<string, string> = {}
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value
    })
    const method = init.method ?? 'GET'
    sent.push({ method, url, headers, body: bodyText(init.body) })
    const body = init.body as never // string, bytes or FormData here: the helper buffers streams itself
    return nodeFetch(url, {
      method,
      headers,
      body,
      signal: (init.signal ?? null) as never,
    }) as unknown as Response
  }) as typeof fetch

  return {
    url: `http://127.0.0.1:${address.port}`,
    mock,
    anthropic,
    gemini,
    sent,
    fetch: recordingFetch,
    async close() {
      await Promise.all([mock.close(), anthropic.close(), gemini.close()])
      // An aborted fetch can leave a connection that never sends a request; do not wait for its timeout.
      const cut = setTimeout(() => app.server.closeAllConnections(), 500)
      try {
        await app.close()
      } finally {
        clearTimeout(cut)
      }
    },
  }
}

/** A chat completion request body for the OpenAI mock. */
export function chatBody(stream = false): string {
  return JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream })
}

/** The DOM globals the helper's dialog reads, plus what the tests use to drive it. */
const DOM_GLOBALS = [
  'window',
  'document',
  'customElements',
  'HTMLElement',
  'Event',
  'KeyboardEvent',
  'localStorage',
]

/**
 * Installs a happy-dom window's DOM globals for one test file and returns the function that removes them.
 * Not `@vitest-environment happy-dom`: that environment also replaces URL, fetch and import.meta.url, which the
 * relay under test needs from Node.
 */
export function installDom(): () => Promise<void> {
  const window = new Window({ url: 'http://localhost:5173/' })
  const saved = DOM_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const)
  for (const name of DOM_GLOBALS) {
    Object.defineProperty(globalThis, name, {
      value: name === 'window' ? window : window[name as keyof Window],
      configurable: true,
      writable: true,
    })
  }
  return async () => {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor)
      else delete (globalThis as Record<string, unknown>)[name]
    }
    await window.happyDOM.close()
  }
}
