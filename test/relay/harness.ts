import { buildApp, loadConfig } from '@byok/relay'
import {
  type MockProvider,
  type MockSettings,
  startAnthropicMock,
  startGeminiMock,
  startMockProvider,
  startOpenAIMock,
  type WireFormat,
} from '@byok/relay/mock-providers'
import { expect } from 'vitest'
import { logSink, noteSecret } from '../log-scan.js'

/** The users' own provider keys, in each provider's real key format (the relay checks the shape on store). */
export const STORED_KEYS = {
  openai: 'sk-proj-E2eStoredOpenAIKey0123456789',
  anthropic: 'sk-ant-api03-E2eStoredAnthropicKey0123456789',
  // AIza + exactly 35 characters of [0-9A-Za-z_-].
  google: `AIza${'SyE2eStoredGeminiKey'.padEnd(35, '0')}`,
} as const

const E2E_SECRET = 'e2e-encryption-secret-0123456789abcdefghij'
noteSecret('ENCRYPTION_SECRET', E2E_SECRET)

export type MockedProvider = keyof typeof STORED_KEYS

/** One more provider upstream for a harness: the relay's provider id → the mock's wire format and the user's key. */
export type ExtraUpstreams = Readonly<Record<string, { readonly wire: WireFormat; readonly key: string }>>

export interface RelayHarness {
  /** The relay's origin on a real loopback socket, e.g. `http://127.0.0.1:40123`. */
  readonly url: string
  /** The relay token of the registered user (who has a stored key for each mocked provider). */
  readonly token: string
  readonly mocks: Readonly<Record<MockedProvider, MockProvider>>
  /** The mocks of `extra` upstreams, by provider id. */
  readonly extraMocks: Readonly<Record<string, MockProvider>>
  /** `fetch(<relay>/<path>)` with the relay token in `x-relay-token`. */
  fetch(path: string, init?: RequestInit): Promise<Response>
  /** Stops the mocks (cutting any stream still running), then the relay. */
  close(): Promise<void>
}

async function expectOk(response: Response, what: string): Promise<unknown> {
  const text = await response.text()
  expect(response.status, `${what}: ${text}`).toBe(200)
  return JSON.parse(text)
}

/**
 * Start one mock per provider and the relay (`buildApp` + `listen` on 127.0.0.1:0) with each `<ID>_BASE_URL`
 * pointing at its mock, rate limits off, silent logs and an in-memory store; then register a user and store a key
 * for each provider through the public routes. `extra` adds upstreams for more providers (`GROQ_BASE_URL`, …), each
 * with a stored key of its own.
 *
 * @example
 * const h = await startRelayHarness({ chunks: 6, delayMs: 200 })
 * try { await h.fetch('/stats') } finally { await h.close() }
 */
export async function startRelayHarness(
  settings: Partial<Omit<MockSettings, 'expectedKey'>> = {},
  extra: ExtraUpstreams = {},
): Promise<RelayHarness> {
  const started: MockProvider[] = []
  let app: Awaited<ReturnType<typeof buildApp>> | undefined
  const closeAll = async () => {
    // Mocks first: their streams end, so the relay has no response left in flight when it closes.
    await Promise.all(started.map((mock) => mock.close()))
    if (!app) return
    // After a client abort, Node's fetch may leave a connection that never sends a request; Node does not count it
    // as idle, so app.close() would wait for the server's headers timeout (~70 s). Cut such leftovers after a grace.
    const relay = app
    const cut = setTimeout(() => relay.server.closeAllConnections(), 500)
    try {
      await relay.close()
    } finally {
      clearTimeout(cut)
    }
  }
  const track = async (mock: Promise<MockProvider>) => {
    started.push(await mock)
    return started[started.length - 1]!
  }
  try {
    const mocks = {
      openai: await track(startOpenAIMock({ ...settings, expectedKey: STORED_KEYS.openai })),
      anthropic: await track(startAnthropicMock({ ...settings, expectedKey: STORED_KEYS.anthropic })),
      google: await track(startGeminiMock({ ...settings, expectedKey: STORED_KEYS.google })),
    }
    const extraMocks: Record<string, MockProvider> = {}
    for (const [id, { wire, key }] of Object.entries(extra)) {
      // Not every provider's key has a shape the log scan knows (Mistral's, xAI's): name it.
      noteSecret(`stored ${id} key`, key)
      extraMocks[id] = await track(startMockProvider(wire, { ...settings, expectedKey: key }))
    }
    app = await buildApp(
      loadConfig({
        ENCRYPTION_SECRET: E2E_SECRET,
        DB_PATH: ':memory:',
        LOG_LEVEL: 'trace',
        RATE_LIMIT_GLOBAL_PER_MIN: '0',
        RATE_LIMIT_RELAY_PER_MIN: '0',
        RATE_LIMIT_REGISTER_PER_HOUR: '0',
        OPENAI_BASE_URL: mocks.openai.url,
        ANTHROPIC_BASE_URL: mocks.anthropic.url,
        GOOGLE_BASE_URL: mocks.google.url,
        ...Object.fromEntries(
          Object.entries(extraMocks).map(([id, mock]) => [`${id.toUpperCase()}_BASE_URL`, mock.url]),
        ),
      }),
      { logSink },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    const address = app.server.address()
    if (address === null || typeof address === 'string') throw new Error('relay is not listening on TCP')
    const url = `http://127.0.0.1:${address.port}`

    const registered = (await expectOk(
      await fetch(`${url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'e2e-app' }),
      }),
      'POST /users',
    )) as { token: string }
    const token = registered.token
    const relayFetch = (path: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers)
      headers.set('x-relay-token', token)
      return fetch(`${url}${path}`, { ...init, headers })
    }

    const keys = {
      ...STORED_KEYS,
      ...Object.fromEntries(Object.entries(extra).map(([id, u]) => [id, u.key])),
    }
    for (const [provider, key] of Object.entries(keys)) {
      const stored = await expectOk(
        await relayFetch(`/keys/${provider}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ key }),
        }),
        `POST /keys/${provider}`,
      )
      expect(stored).toEqual({ ok: true, provider })
    }
    return { url, token, mocks, extraMocks, fetch: relayFetch, close: closeAll }
  } catch (error) {
    await closeAll()
    throw error
  }
}

/**
 * Every request the mock saw carried the stored key in the provider's auth header, and the relay token appears
 * nowhere in what reached the provider (headers, request line, body).
 */
export function expectStoredKeyOnly(
  mock: MockProvider,
  token: string,
  authHeader: string,
  expected: string,
): void {
  expect(mock.exchanges.length).toBeGreaterThan(0)
  for (const { request } of mock.exchanges) {
    expect(request.headers[authHeader]).toBe(expected)
    const seen = [request.url, JSON.stringify(request.headers), request.body.toString('utf8')].join('\n')
    expect(seen).not.toContain(token)
  }
}
