import { openaiWire, type WireFormat } from '@byok/relay/mock-providers'
import type { ExtraUpstreams } from '../relay/harness.js'

/**
 * An OpenAI-compatible provider whose paths differ from OpenAI's only by a prefix (Groq `/openai/v1`, OpenRouter
 * `/api/v1`, DeepSeek none): the OpenAI mock answers once the provider's prefix is swapped for `/v1`. The exchange
 * still records the path exactly as it arrived, which is what the matrix checks.
 */
function openaiUnder(prefix: string): WireFormat {
  return {
    reject: openaiWire.reject,
    answer: (request, settings) =>
      openaiWire.answer({ ...request, path: `/v1${request.path.slice(prefix.length)}` }, settings),
  }
}

/** The upstreams the harness lacks, with the users' stored keys in each provider's own key format. */
export const SDK_UPSTREAMS = {
  // https://console.groq.com/docs/openai
  groq: { wire: openaiUnder('/openai/v1'), key: 'gsk_E2eStoredGroqKey0123456789' },
  // Mistral's chat API has the OpenAI shape (https://docs.mistral.ai/api/#tag/chat); keys are 32 letters and digits.
  mistral: { wire: openaiWire, key: 'E2eStoredMistralKey0123456789abc' },
  // https://openrouter.ai/docs/api-reference/overview
  openrouter: { wire: openaiUnder('/api/v1'), key: 'sk-or-v1-E2eStoredOpenRouterKey0123' },
  // https://api-docs.deepseek.com (`/chat/completions` at the root)
  deepseek: { wire: openaiUnder(''), key: 'sk-E2eStoredDeepSeekKey0123456789' },
  // https://docs.x.ai/docs/api-reference (OpenAI's paths, Responses included)
  xai: { wire: openaiWire, key: 'xai-E2eStoredXaiKey0123456789' },
} as const satisfies ExtraUpstreams
