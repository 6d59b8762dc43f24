import { buildApp, loadConfig } from '@byok/relay'
import { logSink, noteSecret } from '../../log-scan.js'
import { type MockProvider, startMockProvider } from '../../mocks/server.js'
import { toolCallingWire } from './tool-mocks.js'

/** The keys the user types; the only ones each mock accepts (real shapes: the relay checks them on store). */
export const KEYS = {
  openai: 'sk-proj-BindingsUserKey0123456789abcdef',
  anthropic: 'sk-ant-api03-BindingsUserKey0123456789',
  google: 'AIzaBindingsUserKey0123456789abcdefghi',
} as const

/** A well-shaped key the provider refuses (401): what a user who mistyped or revoked a key has stored. */
export const WRONG_OPENAI_KEY = 'sk-proj-RevokedUserKey0123456789abcdefgh'

const ENCRYPTION_SECRET = 'bindings-e2e-encryption-secret-0123456789abcdef'
noteSecret('ENCRYPTION_SECRET', ENCRYPTION_SECRET)

export type ProviderId = keyof typeof KEYS

export interface BindingsRelay {
  readonly url: string
  readonly mocks: Readonly<Record<ProviderId, MockProvider>>
  close(): Promise<void>
}

/**
 * The real relay (buildApp on 127.0.0.1, in-memory store, limits off) in front of OpenAI, Anthropic and Gemini
 * mocks that speak each wire format, tool calls included, streaming `chunks` deltas `delayMs` apart.
 */
export async function startBindingsRelay(options: {
  allowedOrigins: readonly string[]
  stream: { chunks: number; delayMs: number }
}): Promise<BindingsRelay> {
  const mocks = {} as Record<ProviderId, MockProvider>
  for (const provider of Object.keys(KEYS) as ProviderId[]) {
    mocks[provider] = await startMockProvider(toolCallingWire(provider), {
      ...options.stream,
      expectedKey: KEYS[provider],
    })
  }
  const app = await buildApp(
    loadConfig({
      ENCRYPTION_SECRET,
      DB_PATH: ':memory:',
      LOG_LEVEL: 'trace',
      ALLOWED_ORIGINS: options.allowedOrigins.join(','),
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: '0',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
      OPENAI_BASE_URL: mocks.openai.url,
      ANTHROPIC_BASE_URL: mocks.anthropic.url,
      GOOGLE_BASE_URL: mocks.google.url,
    }),
    { logSink },
  )
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('relay is not listening on TCP')
  return {
    url: `http://127.0.0.1:${address.port}`,
    mocks,
    async close() {
      await Promise.all(Object.values(mocks).map((mock) => mock.close()))
      // A browser closed mid-stream can leave a keep-alive socket the relay would wait on.
      const cut = setTimeout(() => app.server.closeAllConnections(), 500)
      try {
        await app.close()
      } finally {
        clearTimeout(cut)
      }
    },
  }
}
