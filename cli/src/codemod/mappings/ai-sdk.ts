import { withBasePaths } from './providers.js'

/**
 * Vercel AI SDK provider packages: the factory a browser app calls with `{ apiKey, baseURL, fetch }`, and the
 * default instance that reads the key from a server env var. `basePath` is what the package's default base URL
 * has after the provider host (read from each package's `dist/index.mjs`), kept in the registry's `sdkBasePaths`.
 */
interface AiSdkFactoryMapping {
  readonly module: string
  readonly factory: string
  /** The default-instance export (`import { openai } from '@ai-sdk/openai'`). */
  readonly instance: string
  readonly provider: string
  readonly basePath: string
}

export const AI_SDK_FACTORIES: readonly AiSdkFactoryMapping[] = withBasePaths([
  {
    module: '@ai-sdk/openai',
    factory: 'createOpenAI',
    instance: 'openai',
    provider: 'openai',
  },
  // https://api.anthropic.com/v1 (the package adds /v1 to the bare host itself)
  {
    module: '@ai-sdk/anthropic',
    factory: 'createAnthropic',
    instance: 'anthropic',
    provider: 'anthropic',
  },
  {
    module: '@ai-sdk/google',
    factory: 'createGoogleGenerativeAI',
    instance: 'google',
    provider: 'google',
  },
  {
    module: '@ai-sdk/groq',
    factory: 'createGroq',
    instance: 'groq',
    provider: 'groq',
  },
  {
    module: '@ai-sdk/mistral',
    factory: 'createMistral',
    instance: 'mistral',
    provider: 'mistral',
  },
  // https://api.deepseek.com with no version segment
  {
    module: '@ai-sdk/deepseek',
    factory: 'createDeepSeek',
    instance: 'deepseek',
    provider: 'deepseek',
  },
  { module: '@ai-sdk/xai', factory: 'createXai', instance: 'xai', provider: 'xai' },
  {
    module: '@openrouter/ai-sdk-provider',
    factory: 'createOpenRouter',
    instance: 'openrouter',
    provider: 'openrouter',
  },
])
