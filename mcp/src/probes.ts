import type { ChatWire, ProviderSpec } from '@byok/relay'

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

/** How test_relay speaks each wire format a provider's `probe` names (the registry holds the default model). */
const WIRES: Readonly<Record<ChatWire, WireProbe>> = {
  'openai-chat': openaiChat,
  'anthropic-messages': anthropicMessages,
  'gemini-generate': geminiGenerate,
}

interface ProbePlan {
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
  if (!provider.probe) return { problem: 'no_chat' }
  const wire = WIRES[provider.probe.wire]
  const chosen = model ?? provider.probe.model
  if (chosen === undefined) return { problem: 'model_required' }
  const path = wire.path(provider, chosen)
  if (path === undefined) return { problem: 'no_chat' }
  return { path, model: chosen, body: wire.body(chosen, prompt), reply: wire.reply }
}
