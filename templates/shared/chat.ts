// Streams a chat reply through the byok relay, in each provider's own wire format. No dependencies: it needs
// only something with `relayFetch` (the client from ./byok). Copied into every template by `create-byok`.

/** Anything that can call the relay: the client returned by `createByok`. */
export interface RelayCaller {
  relayFetch(provider: string, path: string, init?: RequestInit): Promise<Response>
}

export type ProviderId = 'openai' | 'anthropic' | 'google'

export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

export interface ProviderChoice {
  id: ProviderId
  label: string
  models: string[]
}

/** The provider/model picker's data. Any model the provider serves works; these are suggestions. */
export const PROVIDERS: ProviderChoice[] = [
  { id: 'openai', label: 'OpenAI', models: ['gpt-4o-mini', 'gpt-4.1-mini', 'gpt-4.1'] },
  { id: 'anthropic', label: 'Anthropic', models: ['claude-3-5-haiku-latest', 'claude-sonnet-4-5'] },
  { id: 'google', label: 'Google Gemini', models: ['gemini-2.0-flash', 'gemini-2.5-flash'] },
]

interface WireFormat {
  path(model: string): string
  body(model: string, messages: ChatMessage[]): unknown
  /** The text carried by one SSE event, if any. */
  text(event: string, data: unknown): string | undefined
}

// biome-ignore lint/suspicious/noExplicitAny: provider payloads are read defensively, with optional chaining
type Json = Record<string, any>

// Each provider's streaming chat format:
// OpenAI https://platform.openai.com/docs/api-reference/chat-streaming,
// Anthropic https://docs.anthropic.com/en/api/messages-streaming,
// Gemini https://ai.google.dev/api/generate-content#method:-models.streamgeneratecontent (alt=sse).
const FORMATS: Record<ProviderId, WireFormat> = {
  openai: {
    path: () => '/v1/chat/completions',
    body: (model, messages) => ({ model, messages, stream: true }),
    text: (_event, data) => (data as Json).choices?.[0]?.delta?.content ?? undefined,
  },
  anthropic: {
    path: () => '/v1/messages',
    body: (model, messages) => ({ model, messages, max_tokens: 1024, stream: true }),
    text: (event, data) =>
      event === 'content_block_delta' && (data as Json).delta?.type === 'text_delta'
        ? (data as Json).delta.text
        : undefined,
  },
  google: {
    path: (model) => `/v1beta/models/${encodeURIComponent(model)}:streamGenerateContent?alt=sse`,
    body: (_model, messages) => ({
      contents: messages.map((m) => ({
        role: m.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: m.content }],
      })),
    }),
    text: (_event, data) => {
      const parts = (data as Json).candidates?.[0]?.content?.parts as Array<{ text?: string }> | undefined
      return parts?.map((p) => p.text ?? '').join('') || undefined
    },
  },
}

/**
 * Stream the assistant's reply, one text delta at a time. Abort with `signal` (the stop button).
 *
 * @example
 * for await (const delta of streamChat(byok, { provider: 'openai', model: 'gpt-4o-mini', messages })) out += delta
 */
export async function* streamChat(
  client: RelayCaller,
  options: { provider: ProviderId; model: string; messages: ChatMessage[]; signal?: AbortSignal },
): AsyncGenerator<string> {
  const format = FORMATS[options.provider]
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(format.body(options.model, options.messages)),
  }
  if (options.signal) init.signal = options.signal
  const response = await client.relayFetch(options.provider, format.path(options.model), init)
  if (!response.ok || !response.body) throw new Error(await describeError(response))
  for await (const { event, data } of readSse(response.body)) {
    if (data === '[DONE]') return
    let parsed: unknown
    try {
      parsed = JSON.parse(data)
    } catch {
      continue
    }
    // The relay ends a stream the provider broke off with `event: error`; providers send their own error events.
    if (event === 'error' || (parsed as Json).type === 'error') {
      const error = (parsed as Json).error
      throw new Error(typeof error === 'string' ? error : (error?.message ?? 'the stream failed'))
    }
    const text = format.text(event, parsed)
    if (text) yield text
  }
}

/** A minimal Server-Sent Events reader (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export async function* readSse(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ event: string; data: string }> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let newline = buffer.search(/\r\n|\r|\n/)
      while (newline !== -1) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1))
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
          event = ''
          data = []
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event = value
          else if (field === 'data') data.push(value)
        }
        newline = buffer.search(/\r\n|\r|\n/)
      }
    }
    if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
  } finally {
    reader.releaseLock()
  }
}

async function describeError(response: Response): Promise<string> {
  const text = await response.text().catch(() => '')
  try {
    const body = JSON.parse(text) as Json
    const message = typeof body.error === 'string' ? body.error : body.error?.message
    if (message) return `${response.status}: ${message}`
  } catch {}
  return `${response.status}: ${text.slice(0, 200) || response.statusText}`
}
