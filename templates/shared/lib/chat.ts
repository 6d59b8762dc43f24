// Streams a chat reply through the byok relay, in each provider's own wire format. No dependencies: it needs
// only something with `relayFetch` (the byok client). Copied into every template by `create-byok`.

import type { ProviderId } from './providers'

/** Anything that can call the relay: the client returned by `createByok`. */
export interface RelayCaller {
  relayFetch(provider: string, path: string, init?: RequestInit): Promise<Response>
}

export interface ChatMessage {
  role: 'user' | 'assistant'
  content: string
}

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
  if (!response.ok || !response.body) throw await readFailure(response)
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
      const message = typeof error === 'string' ? error : (error?.message ?? 'the stream stopped early')
      throw new ChatError({ source: 'stream', status: 0, message })
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

// ---- failures: a relay error is `{ error, code, hint }` (the relay's catalogue); a provider's arrives in its own
// envelope, passed through by the relay.

export interface FailureInit {
  /** Who said no: the relay (its own code), the provider (its own body), or a stream that broke off. */
  source: 'relay' | 'provider' | 'stream' | 'network'
  status: number
  message: string
  code?: string | undefined
  hint?: string | undefined
  /** Seconds until a rate limit resets, from Retry-After or the RateLimit headers. */
  retryAfter?: number | undefined
  /** The relay's `RateLimit-Policy` (`20;w=60`): how many calls per how many seconds. */
  policy?: { limit: number; windowSeconds: number } | undefined
}

/** A failed relay call, with what the relay or the provider said. */
export class ChatError extends Error implements FailureInit {
  readonly source: FailureInit['source']
  readonly status: number
  readonly code: string | undefined
  readonly hint: string | undefined
  readonly retryAfter: number | undefined
  readonly policy: FailureInit['policy']
  constructor(init: FailureInit) {
    super(init.message)
    this.name = 'ChatError'
    this.source = init.source
    this.status = init.status
    this.code = init.code
    this.hint = init.hint
    this.retryAfter = init.retryAfter
    this.policy = init.policy
  }
}

function seconds(value: string | null): number | undefined {
  if (!value) return undefined
  const n = Number(value)
  if (Number.isFinite(n)) return Math.max(0, Math.ceil(n))
  const date = Date.parse(value) // Retry-After may be an HTTP date
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000))
}

/** Reads a failed response (relay or provider) into a ChatError. */
export async function readFailure(response: Response): Promise<ChatError> {
  const text = await response.text().catch(() => '')
  let body: Json = {}
  try {
    body = JSON.parse(text) as Json
  } catch {}
  const headers = response.headers
  const retryAfter =
    seconds(headers.get('retry-after')) ??
    seconds(headers.get('ratelimit-reset')) ??
    seconds(headers.get('x-ratelimit-reset-requests')?.replace(/s$/, '') ?? null)
  const policyMatch = /^(\d+);w=(\d+)/.exec(headers.get('ratelimit-policy') ?? '')
  const policy = policyMatch
    ? { limit: Number(policyMatch[1]), windowSeconds: Number(policyMatch[2]) }
    : undefined
  const common = { status: response.status, retryAfter, policy }
  if (typeof body.code === 'string' && typeof body.error === 'string') {
    return new ChatError({
      ...common,
      source: 'relay',
      code: body.code,
      message: body.error,
      hint: body.hint,
    })
  }
  // OpenAI and Gemini: { error: { message } }; Anthropic: { type: 'error', error: { message } }.
  const message =
    (typeof body.error === 'string' ? body.error : body.error?.message) ??
    (typeof body.message === 'string' ? body.message : undefined) ??
    (text.trim().slice(0, 300) || response.statusText || `HTTP ${response.status}`)
  return new ChatError({ ...common, source: 'provider', message: String(message) })
}
