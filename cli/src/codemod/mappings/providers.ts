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

/** An official SDK client: the class (or factory) to look for by import, and where its requests must go. */
export interface SdkClientMapping {
  /** The module the class is imported from. */
  readonly module: string
  /** `default` or the named export. */
  readonly exports: readonly string[]
  readonly provider: string
  /** What the SDK expects after `<relay>/relay/<provider>` in its base URL (the helper's `SDK_BASE_PATHS`). */
  readonly basePath: string
  /** Where the key goes: an options object (default) or the first positional argument. */
  readonly keyArg?: 'options' | 'positional'
}

/**
 * SDK constructors, grouped by the transform that rewrites them. `openai`, `anthropic` and `groq` share one shape
 * (`{ apiKey, baseURL, fetch, dangerouslyAllowBrowser }`); the others each have a step of their own.
 */
export const SDK_CLIENTS = {
  openai: [{ module: 'openai', exports: ['default', 'OpenAI'], provider: 'openai', basePath: '/v1' }],
  anthropic: [
    { module: '@anthropic-ai/sdk', exports: ['default', 'Anthropic'], provider: 'anthropic', basePath: '' },
  ],
  groq: [{ module: 'groq-sdk', exports: ['default', 'Groq'], provider: 'groq', basePath: '/openai/v1' }],
  // Speakeasy SDK: `serverURL` is the origin (paths start with /v1), the fetch hook is `httpClient`.
  mistral: [{ module: '@mistralai/mistralai', exports: ['Mistral'], provider: 'mistral', basePath: '' }],
  // openai@3: `new Configuration({ apiKey, basePath })` feeds `new OpenAIApi(configuration)` (axios inside).
  openaiV3: [{ module: 'openai', exports: ['Configuration'], provider: 'openai', basePath: '/v1' }],
  // The SDK appends the API version itself (`/v1beta/models/…`).
  googleGenAI: [{ module: '@google/genai', exports: ['GoogleGenAI'], provider: 'google', basePath: '' }],
  googleGenerativeAI: [
    {
      module: '@google/generative-ai',
      exports: ['GoogleGenerativeAI'],
      provider: 'google',
      basePath: '',
      keyArg: 'positional',
    },
  ],
} as const satisfies Record<string, readonly SdkClientMapping[]>

/** SDK constructors detected (and reported) but not rewritten: Mistral's pre-1.0 client takes a positional key. */
export const DETECT_ONLY_SDKS: readonly {
  module: string
  exports: readonly string[]
  provider: string
  keyArg: 'options' | 'positional'
}[] = [
  {
    module: '@mistralai/mistralai',
    exports: ['default', 'MistralClient'],
    provider: 'mistral',
    keyArg: 'positional',
  },
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
