/**
 * Vercel AI SDK provider packages: the factory a browser app calls with `{ apiKey, baseURL, fetch }`, and the
 * default instance that reads the key from a server env var. `basePath` is what the package's default base URL
 * has after the provider host (read from each package's `dist/index.mjs`).
 */
export interface AiSdkFactoryMapping {
  readonly module: string
  readonly factory: string
  /** The default-instance export (`import { openai } from '@ai-sdk/openai'`). */
  readonly instance: string
  readonly provider: string
  readonly basePath: string
}

export const AI_SDK_FACTORIES: readonly AiSdkFactoryMapping[] = [
  {
    module: '@ai-sdk/openai',
    factory: 'createOpenAI',
    instance: 'openai',
    provider: 'openai',
    basePath: '/v1',
  },
  // https://api.anthropic.com/v1 (the package adds /v1 to the bare host itself)
  {
    module: '@ai-sdk/anthropic',
    factory: 'createAnthropic',
    instance: 'anthropic',
    provider: 'anthropic',
    basePath: '/v1',
  },
  {
    module: '@ai-sdk/google',
    factory: 'createGoogleGenerativeAI',
    instance: 'google',
    provider: 'google',
    basePath: '/v1beta',
  },
  {
    module: '@ai-sdk/groq',
    factory: 'createGroq',
    instance: 'groq',
    provider: 'groq',
    basePath: '/openai/v1',
  },
  {
    module: '@ai-sdk/mistral',
    factory: 'createMistral',
    instance: 'mistral',
    provider: 'mistral',
    basePath: '/v1',
  },
  // https://api.deepseek.com with no version segment
  {
    module: '@ai-sdk/deepseek',
    factory: 'createDeepSeek',
    instance: 'deepseek',
    provider: 'deepseek',
    basePath: '',
  },
  { module: '@ai-sdk/xai', factory: 'createXai', instance: 'xai', provider: 'xai', basePath: '/v1' },
  {
    module: '@openrouter/ai-sdk-provider',
    factory: 'createOpenRouter',
    instance: 'openrouter',
    provider: 'openrouter',
    basePath: '/api/v1',
  },
]
