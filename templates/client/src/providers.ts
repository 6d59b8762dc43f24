/** Provider API hosts (https, default port) and the relay's provider id for each. Exact matches only. */
export const PROVIDER_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'google',
  'api.groq.com': 'groq',
  'openrouter.ai': 'openrouter',
  'api.mistral.ai': 'mistral',
  'api.deepseek.com': 'deepseek',
  'api.x.ai': 'xai',
  'api.together.xyz': 'together',
  'api.fireworks.ai': 'fireworks',
  'api.perplexity.ai': 'perplexity',
  'api.cerebras.ai': 'cerebras',
  'api.elevenlabs.io': 'elevenlabs',
  'api.deepgram.com': 'deepgram',
  'router.huggingface.co': 'huggingface',
}

/** The path prefix each provider's official (OpenAI-style) SDK expects in its `baseURL`; none for the others. */
export const SDK_BASE_PATHS: Readonly<Record<string, string>> = {
  openai: '/v1',
  groq: '/openai/v1',
  openrouter: '/api/v1',
  mistral: '/v1',
  deepseek: '/v1',
  xai: '/v1',
  together: '/v1',
  fireworks: '/inference/v1',
  cerebras: '/v1',
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google Gemini',
  xai: 'xAI',
  openrouter: 'OpenRouter',
  deepseek: 'DeepSeek',
  elevenlabs: 'ElevenLabs',
  huggingface: 'Hugging Face',
  'openai-compatible': 'custom endpoint',
}

/**
 * The name to show for a relay provider id, e.g. `OpenAI` for `openai`.
 * @example providerName('google') // 'Google Gemini'
 */
export function providerName(provider: string): string {
  return PROVIDER_NAMES[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1)
}
