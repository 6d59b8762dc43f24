import { type AnthropicProvider, createAnthropic } from '@ai-sdk/anthropic'
import { createGoogleGenerativeAI, type GoogleGenerativeAIProvider } from '@ai-sdk/google'
import { createOpenAI, type OpenAIProvider } from '@ai-sdk/openai'
import { type LanguageModel, streamText } from 'ai'
import { expectTypeOf } from 'vitest'
import { byokProviderSettings, createByokProvider } from '../src/ai-sdk.js'
import { createByok } from '../src/index.js'

const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'types' })

expectTypeOf(createByokProvider(byok, 'openai', createOpenAI)).toEqualTypeOf<OpenAIProvider>()
expectTypeOf(
  createByokProvider(byok, 'anthropic', createAnthropic, { headers: { 'x-app': 'types' } }),
).toEqualTypeOf<AnthropicProvider>()
expectTypeOf(
  createByokProvider(byok, 'google', createGoogleGenerativeAI),
).toEqualTypeOf<GoogleGenerativeAIProvider>()
// @ts-expect-error baseURL and fetch come from the relay, not from the caller
createByokProvider(byok, 'openai', createOpenAI, { baseURL: 'https://api.openai.com/v1' })

const model: LanguageModel = createByokProvider(byok, 'openai', createOpenAI)('gpt-4o-mini')
streamText({ model, prompt: 'hi' })
createAnthropic(byokProviderSettings(byok, 'anthropic'))
