/** Streams a chat reply through the relay in each provider's own wire format. */
import { ByokError, relayErrorOf } from './errors.js'
import { providerName, SDK_BASE_PATHS } from './providers.js'
import { readSse } from './sse.js'
import type { ByokClient } from './types.js'

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant'
  content: string
}

export interface StreamChatOptions {
  /** `openai`, `anthropic`, `google`, or any OpenAI-compatible provider the relay knows (`groq`, `mistral`, …). */
  provider: string
  model: string
  messages: readonly ChatMessage[]
  signal?: AbortSignal | undefined
  /** Anthropic requires a limit; default 1024. */
  maxTokens?: number | undefined
}

/** A nested field of parsed JSON, read without trusting its shape. */
function pick(value: unknown, ...path: Array<string | number>): unknown {
  let current = value
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string | number, unknown>)[key]
  }
  return current
}

const asText = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)

interface WireFormat {
  path(model: string): string
  body(options: StreamChatOptions): unknown
  /** The text carried by one SSE event, if any. */
  text(event: string, data: unknown): string | undefined
}

const plain = (messages: readonly ChatMessage[]) => messages.filter((m) => m.role !== 'system')
const system = (messages: readonly ChatMessage[]) =>
  messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n') || undefined

// Each provider's streaming chat format:
// OpenAI https://platform.openai.com/docs/api-reference/chat-streaming,
// Anthropic https://docs.anthropic.com/en/api/messages-streaming,
// Gemini https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent (alt=sse).
// `include_usage` (OpenAI only: not every compatible API accepts it) makes the stream's last chunk carry the token
// counts, so the relay's usage log and budgets see what a streamed reply cost.
const openaiStyle = (basePath: string, options: { usage?: boolean } = {}): WireFormat => ({
  path: () => `${basePath}/chat/completions`,
  body: ({ model, messages }) => ({
    model,
    messages,
    stream: true,
    ...(options.usage && { stream_options: { include_usage: true } }),
  }),
  text: (_event, data) => asText(pick(data, 'choices', 0, 'delta', 'content')),
})

const FORMATS: Readonly<Record<string, WireFormat>> = {
  openai: openaiStyle('/v1', { usage: true }),
  anthropic: {
    path: () => '/v1/messages',
    body: ({ model, messages, maxTokens }) => ({
      model,
      system: system(messages),
      messages: plain(messages),
      max_tokens: maxTokens ?? 1024,
      stream: true,
    }),
    text: (event, data) =>
      event === 'content_block_delta' && pick(data, 'delta', 'type') === 'text_delta'
        ? asText(pick(data, 'delta', 'text'))
        : undefined,
  },
  google: {
    path: (model) => `/v1beta/models/${encodeURIComponent(model)}:streamGenerateContent?alt=sse`,
    body: ({ messages }) => {
      const instruction = system(messages)
      return {
        systemInstruction: instruction === undefined ? undefined : { parts: [{ text: instruction }] },
        contents: plain(messages).map((m) => ({
          role: m.role === 'assistant' ? 'model' : 'user',
          parts: [{ text: m.content }],
        })),
      }
    },
    text: (_event, data) => {
      const parts = pick(data, 'candidates', 0, 'content', 'parts')
      return Array.isArray(parts)
        ? asText(parts.map((part) => asText(pick(part, 'text')) ?? '').join(''))
        : undefined
    },
  },
}

function formatFor(provider: string): WireFormat {
  const format =
    FORMATS[provider] ?? (SDK_BASE_PATHS[provider] ? openaiStyle(SDK_BASE_PATHS[provider]) : undefined)
  if (!format) throw new ByokError(`No chat format for provider ${provider}`, 'provider_unsupported', 0)
  return format
}

/** A provider's own error body in words (OpenAI/Gemini `{ error: { message } }`, Anthropic `{ error: { message } }`). */
async function providerError(provider: string, response: Response): Promise<ByokError> {
  const text = await response.text().catch(() => '')
  let message = text.slice(0, 200) || response.statusText
  try {
    const body: unknown = JSON.parse(text)
    message = asText(pick(body, 'error')) ?? asText(pick(body, 'error', 'message')) ?? message
  } catch {}
  // A provider's 429/503 may say when to come back (seconds; an HTTP date is read as the time left until it).
  const header = response.headers.get('retry-after')
  const seconds =
    header === null
      ? Number.NaN
      : /^\d+$/.test(header.trim())
        ? Number(header)
        : (Date.parse(header) - Date.now()) / 1000
  const retryAfter = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds) : undefined
  return new ByokError(
    `${providerName(provider)} answered ${response.status}: ${message}`,
    'provider_error',
    response.status,
    undefined,
    { retryAfter },
  )
}

/**
 * Streams the assistant's reply, one text delta at a time; abort with `signal`. Relay errors reject with a
 * `ByokError` that says what happened (a rate limit says which and until when), provider errors with code
 * `provider_error`.
 * @example for await (const delta of streamChat(byok, { provider: 'openai', model: 'gpt-4o-mini', messages })) out += delta
 */
export async function* streamChat(
  client: Pick<ByokClient, 'relayFetch'>,
  options: StreamChatOptions,
): AsyncGenerator<string> {
  const format = formatFor(options.provider)
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(format.body(options)),
  }
  if (options.signal) init.signal = options.signal
  const response = await client.relayFetch(options.provider, format.path(options.model), init)
  if (!response.ok || !response.body) {
    throw (await relayErrorOf(response)) ?? (await providerError(options.provider, response))
  }
  for await (const { event, data } of readSse(response.body)) {
    if (data === '[DONE]') return
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch {
      continue
    }
    // The relay ends a stream the provider broke off with `event: error`; providers send their own error events.
    if (event === 'error' || pick(parsed, 'type') === 'error') {
      const message = asText(pick(parsed, 'error')) ?? asText(pick(parsed, 'error', 'message'))
      throw new ByokError(message ?? 'The stream failed', 'stream_failed', response.status)
    }
    const text = format.text(event, parsed)
    if (text) yield text
  }
}
