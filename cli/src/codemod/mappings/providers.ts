import { findProvider, PROVIDER_IDS } from '@byok/relay/providers'

/**
 * Provider API hosts (https, default port, exact hostname) → the relay's provider id, derived from the relay's
 * provider registry so the two cannot drift: `api.openai.com.evil.com`, `maps.googleapis.com` and
 * `localhost:11434` are not providers. (The browser helper keeps its own copy, checked against the registry by
 * test/client/relay-url-for.test.ts, because it is copied into apps that do not depend on the relay.)
 */
export const PROVIDER_HOSTS: Readonly<Record<string, string>> = Object.fromEntries(
  PROVIDER_IDS.flatMap((id) => {
    const baseUrl = findProvider(id)?.baseUrl
    return baseUrl ? [[new URL(baseUrl).hostname, id]] : []
  }),
)

/** Request headers that carry a provider credential (lower case). `Authorization` counts only when bound for a provider host. */
export const AUTH_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
])

/** Headers that only make sense when the browser talks to the provider directly; dropped with the key. */
export const DIRECT_ACCESS_HEADERS: ReadonlySet<string> = new Set([
  'anthropic-dangerous-direct-browser-access',
])

/** The query parameter Gemini accepts a key in (`?key=`). */
export const QUERY_KEY_PARAM = 'key'

/** An official SDK whose constructor takes an options object with `apiKey`, `baseURL` and `fetch`. */
export interface SdkClientMapping {
  /** The module the class is imported from. */
  readonly module: string
  /** `default` or the named export. */
  readonly exports: readonly string[]
  readonly provider: string
  /** What the SDK expects after `<relay>/relay/<provider>` in `baseURL` (the helper's `SDK_BASE_PATHS`). */
  readonly basePath: string
}

/** SDKs the option-rewriting transforms handle (`openai-sdk`, `anthropic-sdk`). */
export const SDK_CLIENTS: Readonly<Record<'openai' | 'anthropic', readonly SdkClientMapping[]>> = {
  openai: [{ module: 'openai', exports: ['default', 'OpenAI'], provider: 'openai', basePath: '/v1' }],
  anthropic: [
    { module: '@anthropic-ai/sdk', exports: ['default', 'Anthropic'], provider: 'anthropic', basePath: '' },
  ],
}

/** SDK constructors detected (and reported) but not rewritten in this slice. */
export const DETECT_ONLY_SDKS: readonly {
  module: string
  exports: readonly string[]
  provider: string
  keyArg: 'options' | 'positional'
}[] = [
  { module: '@google/genai', exports: ['GoogleGenAI'], provider: 'google', keyArg: 'options' },
  {
    module: '@google/generative-ai',
    exports: ['GoogleGenerativeAI'],
    provider: 'google',
    keyArg: 'positional',
  },
  { module: 'groq-sdk', exports: ['default', 'Groq'], provider: 'groq', keyArg: 'options' },
  { module: '@mistralai/mistralai', exports: ['Mistral'], provider: 'mistral', keyArg: 'options' },
]

/** Env var name prefixes that a framework inlines into the browser bundle. */
export const PUBLIC_ENV_PREFIXES = ['VITE_', 'NEXT_PUBLIC_', 'REACT_APP_'] as const

/** `.env*` variable names that look like provider keys (reported as leaked when they hold a value). */
export const KEY_ENV_NAME =
  /(OPENAI|ANTHROPIC|CLAUDE|GEMINI|GOOGLE_AI|GOOGLE_GENAI|GROQ|OPENROUTER|MISTRAL|DEEPSEEK|XAI|GROK|TOGETHER|FIREWORKS|PERPLEXITY|CEREBRAS|ELEVENLABS|DEEPGRAM|HUGGINGFACE|HF|GPT|AI)[A-Z0-9_]*(API_?KEY|TOKEN|SECRET)$|^(VITE_|NEXT_PUBLIC_|REACT_APP_)?API_KEY$/

/** Resolves a provider id for an absolute URL string, or undefined (exact host, https, default port, no userinfo). */
export function providerForUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'https:' || url.port !== '' || url.username || url.password) return undefined
  return PROVIDER_HOSTS[url.hostname]
}

/** Shapes of provider key values (OpenAI/Anthropic/OpenRouter `sk-…`, Google `AIza…`, Groq `gsk_…`, xAI, HF). */
export const KEY_VALUE_PATTERN = /\b(sk-(?:proj-|ant-|or-)?|AIza|gsk_|xai-|hf_)[A-Za-z0-9_-]{12,}/g
