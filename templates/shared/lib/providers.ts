// What the chat UI knows about each provider: its name and mark, where a user gets a key, the models to suggest
// before the user's own list has loaded, and how to read that list. Providers are data: add one here.

export type ProviderId = 'openai' | 'anthropic' | 'google'

// biome-ignore lint/suspicious/noExplicitAny: provider payloads are read defensively, with optional chaining
type Json = Record<string, any>

export interface ProviderInfo {
  id: ProviderId
  name: string
  /** Where the user creates a key (the provider's own console). */
  keyUrl: string
  /** How the provider's keys start, shown as the input's placeholder. */
  keyPrefix: string
  /** The default first, then a few well-known alternatives. */
  suggestedModels: string[]
  /** The provider's own models list, forwarded by the relay (GET). */
  modelsPath: string
  /** Chat-capable model ids from the models list's JSON. */
  readModels(body: Json): string[]
  /** A small inline SVG mark (24×24, uses currentColor where it can). */
  logo: string
}

const ids = (items: unknown): Json[] => (Array.isArray(items) ? (items as Json[]) : [])

export const PROVIDERS: readonly ProviderInfo[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    keyUrl: 'https://platform.openai.com/api-keys',
    keyPrefix: 'sk-',
    suggestedModels: ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4.1', 'gpt-4o'],
    modelsPath: '/v1/models',
    // https://platform.openai.com/docs/api-reference/models/list lists every model, embeddings and audio too.
    readModels: (body) =>
      ids(body.data)
        .map((m) => String(m.id))
        .filter((id) => /^(gpt-|o\d|chatgpt-)/.test(id))
        .filter((id) => !/(audio|realtime|transcribe|tts|image|embedding|search|instruct)/.test(id)),
    logo: '<svg viewBox="0 0 24 24" aria-hidden="true"><g fill="none" stroke="currentColor" stroke-width="1.7"><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2"/><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2" transform="rotate(60 12 12)"/><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2" transform="rotate(120 12 12)"/><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2" transform="rotate(180 12 12)"/><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2" transform="rotate(240 12 12)"/><ellipse cx="12" cy="8.2" rx="3.3" ry="5.2" transform="rotate(300 12 12)"/></g></svg>',
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    keyUrl: 'https://console.anthropic.com/settings/keys',
    keyPrefix: 'sk-ant-',
    suggestedModels: ['claude-3-5-haiku-latest', 'claude-sonnet-4-5', 'claude-opus-4-1'],
    modelsPath: '/v1/models',
    // https://docs.anthropic.com/en/api/models-list
    readModels: (body) => ids(body.data).map((m) => String(m.id)),
    logo: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M13.8 4h-3.1L4.5 20h3.2l1.3-3.4h6l1.3 3.4h3.2L13.8 4Zm-3.8 9.9 2.2-5.7 2.2 5.7H10Z"/></svg>',
  },
  {
    id: 'google',
    name: 'Google Gemini',
    keyUrl: 'https://aistudio.google.com/apikey',
    keyPrefix: 'AIza',
    suggestedModels: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash'],
    modelsPath: '/v1beta/models',
    // https://ai.google.dev/api/models#method:-models.list names models "models/<id>".
    readModels: (body) =>
      ids(body.models)
        .filter(
          (m) =>
            ids(m.supportedGenerationMethods).length === 0 ||
            m.supportedGenerationMethods.includes('generateContent'),
        )
        .map((m) => String(m.name).replace(/^models\//, ''))
        .filter((id) => id.startsWith('gemini')),
    logo: '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 2.5c.5 5.1 4.4 9 9.5 9.5-5.1.5-9 4.4-9.5 9.5-.5-5.1-4.4-9-9.5-9.5 5.1-.5 9-4.4 9.5-9.5Z"/></svg>',
  },
]

export function providerInfo(id: string): ProviderInfo {
  return PROVIDERS.find((p) => p.id === id) ?? PROVIDERS[0]!
}
