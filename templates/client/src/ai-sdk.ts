/**
 * `@byok/client/ai-sdk`: Vercel AI SDK providers whose calls go through the relay with the user's key, so
 * `streamText` / `generateText` (tools included) run in the browser. Pass the AI SDK's own factory
 * (`createOpenAI`, `createAnthropic`, `createGoogleGenerativeAI`, `createGroq`, …): this entry imports nothing.
 */
import { SDK_BASE_PATHS } from './providers.js'
import type { ByokClient } from './types.js'

/** What an AI SDK provider factory is given: the relay URL with the API version its package expects, and byok's fetch. */
export interface ByokProviderSettings {
  baseURL: string
  /**
   * A placeholder: the AI SDK refuses to run without a key, but `fetch` replaces every credential header with
   * the relay token, and the relay attaches the user's real key.
   */
  apiKey: string
  fetch: typeof fetch
}

// The AI SDK's packages put the API version in baseURL (`@ai-sdk/anthropic` → /v1, `@ai-sdk/google` → /v1beta);
// `@ai-sdk/deepseek` uses the bare host. test/client/provider-facts.test.ts checks these against the registry.
const AI_SDK_BASE_PATHS: Readonly<Record<string, string>> = {
  ...SDK_BASE_PATHS,
  anthropic: '/v1',
  google: '/v1beta',
  deepseek: '',
}

/**
 * The settings to give an AI SDK provider factory for `provider` (a relay provider id).
 * @example createAnthropic(byokProviderSettings(byok, 'anthropic'))
 */
export function byokProviderSettings(client: ByokClient, provider: string): ByokProviderSettings {
  return {
    baseURL: client.baseUrl(provider) + (AI_SDK_BASE_PATHS[provider] ?? ''),
    apiKey: 'byok-relay',
    fetch: client.fetch,
  }
}

/**
 * An AI SDK provider for `provider` that calls through the relay; `settings` are the factory's other options.
 * @example
 * const openai = createByokProvider(byok, 'openai', createOpenAI)
 * const result = streamText({ model: openai('gpt-4o-mini'), prompt: 'Hi' })
 */
export function createByokProvider<Settings extends object | undefined, Provider>(
  client: ByokClient,
  provider: string,
  // Every AI SDK factory takes optional `baseURL`, `apiKey` and `fetch`; Settings is inferred from it alone.
  create: (settings: Settings) => Provider,
  settings?: NoInfer<Omit<NonNullable<Settings>, keyof ByokProviderSettings>>,
): Provider {
  return create({ ...settings, ...byokProviderSettings(client, provider) } as Settings)
}
