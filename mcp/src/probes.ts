import type { ProviderSpec } from '@byok/relay'

/** How to make one tiny chat request in a wire format and read the reply text back. */
interface WireProbe {
  path(provider: ProviderSpec, model: string): string | undefined
  body(model: string, prompt: string): unknown
  reply(body: unknown): string | undefined
}

/** `dig(body, 'choices', 0, 'message')`: walk parsed JSON without trusting its shape. */
function dig(value: unknown, ...path: (string | number)[]): unknown {
  let current = value
  for (const step of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string | number, unknown>)[step]
  }
  return current
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

const openaiChat: WireProbe = {
  path: (provider) => provider.chatPath,
  // max_tokens: 1 keeps the round trip as cheap as the provider allows.
  body: (model, prompt) => ({ model, max_tokens: 1, messages: [{ role: 'user', content: prompt }] }),
  reply: (body) => asText(dig(body, 'choices', 0, 'message', 'content')),
}

// https://docs.anthropic.com/en/api/messages
const anthropicMessages: WireProbe = {
  path: () => '/v1/messages',
  body: (model, prompt) => ({ model, max_tokens: 1, messages: [{ role: 'user', content: prompt }] }),
  reply: (body) => {
    const content = dig(body, 'content')
    const block = Array.isArray(content) ? content.find((c) => dig(c, 'type') === 'text') : undefined
    return asText(dig(block, 'text'))
  },
}

// https://ai.google.dev/api/generate-content
const geminiGenerate: WireProbe = {
  path: (_, model) => `/v1beta/models/${encodeURIComponent(model)}:generateContent`,
  body: (_, prompt) => ({
    contents: [{ role: 'user', parts: [{ text: prompt }] }],
    generationConfig: { maxOutputTokens: 1 },
  }),
  reply: (body) => {
    const parts = dig(body, 'candidates', 0, 'content', 'parts')
    return Array.isArray(parts) ? parts.map((p) => asText(dig(p, 'text')) ?? '').join('') : undefined
  },
}

/**
 * test_relay's data, keyed by provider id: the wire format (OpenAI chat unless listed) and a cheap default model.
 * Providers without a default need `model` (their catalogues are user-specific); ones without a chat path have none.
 */
const PROBES: Readonly<Record<string, { wire?: WireProbe; model?: string }>> = {
  openai: { model: 'gpt-4o-mini' },
  anthropic: { wire: anthropicMessages, model: 'claude-3-5-haiku-latest' },
  google: { wire: geminiGenerate, model: 'gemini-2.0-flash' },
  groq: { model: 'llama-3.1-8b-instant' },
  openrouter: { model: 'openai/gpt-4o-mini' },
  mistral: { model: 'mistral-small-latest' },
  deepseek: { model: 'deepseek-chat' },
  xai: { model: 'grok-3-mini' },
  together: { model: 'meta-llama/Llama-3.2-3B-Instruct-Turbo' },
  fireworks: { model: 'accounts/fireworks/models/llama-v3p1-8b-instruct' },
  perplexity: { model: 'sonar' },
  cerebras: { model: 'llama3.1-8b' },
}

export interface ProbePlan {
  readonly path: string
  readonly model: string
  readonly body: unknown
  readonly reply: (body: unknown) => string | undefined
}

/** The request test_relay sends, or a reason it cannot build one. */
export function planProbe(
  provider: ProviderSpec,
  model: string | undefined,
  prompt: string,
): ProbePlan | { problem: 'no_chat' | 'model_required' } {
  const entry = PROBES[provider.id] ?? {}
  const wire = entry.wire ?? openaiChat
  const chosen = model ?? entry.model
  if (chosen === undefined) return provider.chatPath ? { problem: 'model_required' } : { problem: 'no_chat' }
  const path = wire.path(provider, chosen)
  if (path === undefined) return { problem: 'no_chat' }
  return { path, model: chosen, body: wire.body(chosen, prompt), reply: wire.reply }
}
