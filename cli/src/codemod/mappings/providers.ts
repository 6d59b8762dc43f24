import { findProvider, PROVIDER_IDS, type ProviderSpec } from '@byok/relay/providers'

/**
 * Provider API hosts (https, default port, exact hostname) → the relay's provider id, from the registry's `hosts`
 * so the two cannot drift: `api.openai.com.evil.com`, `maps.googleapis.com` and `localhost:11434` are not
 * providers. (The browser helper keeps its own copy, checked against the registry by
 * test/client/provider-facts.test.ts, because it is copied into apps that do not depend on the relay.)
 */
export const PROVIDER_HOSTS: Readonly<Record<string, string>> = Object.fromEntries(
  PROVIDER_IDS.flatMap((id) => registry(id).hosts.map((host) => [host, id])),
)

function registry(id: string): ProviderSpec {
  const provider = findProvider(id)
  if (!provider) throw new Error(`no provider "${id}" in the relay's registry`)
  return provider
}

/**
 * What follows `<relay>/relay/<provider>` in `module`'s base URL: the registry's `sdkBasePaths`, the part of the
 * SDK's default base URL after the provider host (test/sdk-versions checks every major end to end).
 */
function sdkBasePath(provider: string, module: string): string {
  const path = registry(provider).sdkBasePaths[module]
  if (path === undefined)
    throw new Error(`the relay's registry has no sdkBasePaths['${module}'] for ${provider}`)
  return path
}

/** Each mapping with its `basePath` from the registry (a mapping the registry has no path for fails at load). */
export function withBasePaths<const T extends { readonly module: string; readonly provider: string }>(
  mappings: readonly T[],
): readonly (T & { readonly basePath: string })[] {
  return mappings.map((m) => ({ ...m, basePath: sdkBasePath(m.provider, m.module) }))
}

/**
 * Request headers that carry a provider credential (lower case): each provider's `auth.header`, and Azure OpenAI's
 * `api-key`. `Authorization` counts only when bound for a provider host.
 */
export const AUTH_HEADERS: ReadonlySet<string> = new Set([
  ...PROVIDER_IDS.map((id) => registry(id).auth.header),
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
  /** What goes after `<relay>/relay/<provider>` in the SDK's base URL (see `sdkBasePath`). */
  readonly basePath: string
  /** Where the key goes: an options object (default) or the first positional argument. */
  readonly keyArg?: 'options' | 'positional'
}

/**
 * SDK constructors, grouped by the transform that rewrites them. `openai`, `anthropic` and `groq` share one shape
 * (`{ apiKey, baseURL, fetch, dangerouslyAllowBrowser }`); the others each have a step of their own.
 */
export const SDK_CLIENTS = {
  openai: withBasePaths([
    {
      module: 'openai',
      exports: ['default', 'OpenAI'],
      provider: 'openai',
    },
  ]),
  anthropic: withBasePaths([
    {
      module: '@anthropic-ai/sdk',
      exports: ['default', 'Anthropic'],
      provider: 'anthropic',
    },
  ]),
  // groq-sdk (0.x and 1.x) defaults to the bare host and puts `/openai/v1` in every request path itself.
  groq: withBasePaths([
    {
      module: 'groq-sdk',
      exports: ['default', 'Groq'],
      provider: 'groq',
    },
  ]),
  // Speakeasy SDK: `serverURL` is the origin (paths start with /v1), the fetch hook is `httpClient`.
  mistral: withBasePaths([
    {
      module: '@mistralai/mistralai',
      exports: ['Mistral'],
      provider: 'mistral',
    },
  ]),
  // openai@3: `new Configuration({ apiKey, basePath })` feeds `new OpenAIApi(configuration)` (axios inside).
  openaiV3: withBasePaths([
    {
      module: 'openai',
      exports: ['Configuration'],
      provider: 'openai',
    },
  ]),
  // The SDK appends the API version itself (`/v1beta/models/…`).
  googleGenAI: withBasePaths([
    {
      module: '@google/genai',
      exports: ['GoogleGenAI'],
      provider: 'google',
    },
  ]),
  googleGenerativeAI: withBasePaths([
    {
      module: '@google/generative-ai',
      exports: ['GoogleGenerativeAI'],
      provider: 'google',
      keyArg: 'positional',
    },
  ]),
} satisfies Record<string, readonly SdkClientMapping[]>

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

const KEY_SUFFIX = '_(API_?KEY|KEY|TOKEN|SECRET)'

/** Key-name words that are not a registry provider's `keyEnv`: other names for one, and providers byok lacks. */
const OTHER_KEY_WORDS = [
  'AZURE_OPENAI',
  'CLAUDE',
  'GOOGLE_AI',
  'GOOGLE_GENAI',
  'GENAI',
  'GROK',
  'GPT',
  'CHATGPT',
  'LLM',
  'AI',
  'COHERE',
  'REPLICATE',
  'MOONSHOT',
  'DASHSCOPE',
]

/** `OPENAI` from `OPENAI_API_KEY`, `HF` from `HF_TOKEN`: each registry `keyEnv` name without its key word. */
const KEY_WORDS = [
  ...new Set([
    ...PROVIDER_IDS.flatMap((id) =>
      registry(id).keyEnv.map((name) => name.replace(new RegExp(`${KEY_SUFFIX}$`), '')),
    ),
    ...OTHER_KEY_WORDS,
  ]),
]

/**
 * Env variable names that look like provider keys: a provider word as a whole `_`-separated segment, then a key
 * word at the end (`VITE_OPENAI_API_KEY`, `VITE_OPENAI_KEY`, `HF_TOKEN`, not `VITE_EMAILJS_API_KEY`), or a bare
 * `API_KEY` under a public prefix (the generic names of catalogue C10).
 */
export const KEY_ENV_NAME = new RegExp(
  `(^|_)(${KEY_WORDS.join('|')})(_[A-Z0-9]+)*${KEY_SUFFIX}$|^(VITE_|NEXT_PUBLIC_|REACT_APP_|PUBLIC_|NUXT_PUBLIC_)?API_KEY$`,
)

/** Resolves a provider id for an absolute URL string, or undefined (exact host, https, default port, no userinfo). */
export function providerForUrl(text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  // `wss:` too: a WebSocket to a provider (Gemini Live) is found and reported, never rewritten.
  if (!['https:', 'wss:'].includes(url.protocol) || url.port !== '' || url.username || url.password)
    return undefined
  return PROVIDER_HOSTS[url.hostname]
}

/** Shapes of provider key values (OpenAI/Anthropic/OpenRouter `sk-…`, Google `AIza…`, Groq `gsk_…`, xAI, HF). */
export const KEY_VALUE_PATTERN = /\b(sk-(?:proj-|ant-|or-)?|AIza|gsk_|xai-|hf_)[A-Za-z0-9_-]{12,}/g
