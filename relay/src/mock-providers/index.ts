import { baseUrlVariable } from '../providers/index.js'
import { startAnthropicMock } from './anthropic.js'
import { startGeminiMock } from './gemini.js'
import { startOpenAIMock } from './openai.js'
import type { MockProvider, MockSettings } from './server.js'

export { anthropicWire, startAnthropicMock } from './anthropic.js'
export { geminiWire, startGeminiMock } from './gemini.js'
export { openaiWire, startOpenAIMock } from './openai.js'
export {
  DEFAULT_SETTINGS,
  header,
  isExpectedKey,
  type MockAnswer,
  type MockExchange,
  type MockProvider,
  type MockResponse,
  type MockSettings,
  parseJsonBody,
  promptTokens,
  type RecordedRequest,
  type ReportedUsage,
  type SentChunk,
  sentBody,
  startMockProvider,
  textDeltas,
  type WireFormat,
} from './server.js'

/** The three mocks `byok dev --mock` runs, and the `<ID>_BASE_URL` variables that point the relay at them. */
export interface MockProviders {
  readonly openai: MockProvider
  readonly anthropic: MockProvider
  readonly google: MockProvider
  /** `{ OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_BASE_URL }`, to merge into the relay's environment. */
  readonly env: Readonly<Record<string, string>>
  close(): Promise<void>
}

/** What the dev mocks answer: any stored key, a few deltas paced so a page visibly streams. */
export const DEV_MOCK_SETTINGS = { expectedKey: null, chunks: 5, delayMs: 60 } as const

/**
 * Starts OpenAI (chat completions, Responses), Anthropic (Messages) and Gemini (generateContent,
 * streamGenerateContent) mocks on 127.0.0.1, each answering in the provider's own JSON and SSE format with
 * deterministic text (`textDeltas`).
 *
 * @example
 * const mocks = await startMockProviders()
 * const config = loadConfig({ ...process.env, ...mocks.env }, { mode: 'dev' })
 */
export async function startMockProviders(
  settings: Partial<MockSettings> = DEV_MOCK_SETTINGS,
): Promise<MockProviders> {
  const merged = { ...DEV_MOCK_SETTINGS, ...settings }
  const [openai, anthropic, google] = await Promise.all([
    startOpenAIMock(merged),
    startAnthropicMock(merged),
    startGeminiMock(merged),
  ])
  const byId = { openai, anthropic, google }
  return {
    ...byId,
    env: Object.fromEntries(Object.entries(byId).map(([id, mock]) => [baseUrlVariable(id), mock.url])),
    async close() {
      await Promise.all(Object.values(byId).map((mock) => mock.close()))
    },
  }
}
