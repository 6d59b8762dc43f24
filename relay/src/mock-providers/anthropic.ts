import { randomUUID } from 'node:crypto'
import {
  header,
  isExpectedKey,
  type MockAnswer,
  type MockProvider,
  type MockResponse,
  type MockSettings,
  parseJsonBody,
  promptTokens,
  type RecordedRequest,
  startMockProvider,
  textDeltas,
  type WireFormat,
} from './server.js'

// Anthropic wire format: https://docs.anthropic.com/en/api/messages (message object),
// https://docs.anthropic.com/en/docs/build-with-claude/streaming (event sequence),
// https://docs.anthropic.com/en/api/errors (error envelope), https://docs.anthropic.com/en/api/versioning.

function requestId(): string {
  return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`
}

function error(status: number, type: string, message: string): MockResponse {
  const id = requestId()
  return {
    status,
    headers: { 'request-id': id },
    json: { type: 'error', error: { type, message }, request_id: id },
  }
}

function messages(request: RecordedRequest, settings: MockSettings): MockAnswer {
  const body = parseJsonBody(request)
  if (!body || typeof body.model !== 'string') {
    return { response: error(400, 'invalid_request_error', 'model: Field required') }
  }
  if (typeof body.max_tokens !== 'number') {
    return { response: error(400, 'invalid_request_error', 'max_tokens: Field required') }
  }
  const model = body.model
  const deltas = textDeltas(settings.chunks)
  const usage = { model, inputTokens: promptTokens(request), outputTokens: deltas.length }
  const id = `msg_${randomUUID().replaceAll('-', '').slice(0, 24)}`
  const headers = { 'request-id': requestId() }
  const message = (content: unknown[], stop: string | null, outputTokens: number) => ({
    id,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: outputTokens,
      service_tier: 'standard',
    },
  })
  if (body.stream !== true) {
    const json = message([{ type: 'text', text: deltas.join('') }], 'end_turn', usage.outputTokens)
    return { response: { status: 200, headers, json }, usage }
  }
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
  const frames = [
    // message_start reports output_tokens: 1; message_delta's counts are cumulative and final.
    event('message_start', { message: message([], null, 1) }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('ping', {}),
    ...deltas.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
    event('content_block_stop', { index: 0 }),
    event('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: usage.outputTokens },
    }),
    event('message_stop', {}),
  ]
  return {
    response: { headers: { 'content-type': 'text/event-stream; charset=utf-8', ...headers }, frames },
    usage,
  }
}

function models(): MockAnswer {
  const data = [
    {
      type: 'model',
      id: 'claude-sonnet-4-5',
      display_name: 'Claude Sonnet 4.5',
      created_at: '2025-09-29T00:00:00Z',
    },
    {
      type: 'model',
      id: 'claude-haiku-4-5',
      display_name: 'Claude Haiku 4.5',
      created_at: '2025-10-01T00:00:00Z',
    },
  ]
  const json = { data, has_more: false, first_id: data[0]!.id, last_id: data[data.length - 1]!.id }
  return { response: { status: 200, headers: { 'request-id': requestId() }, json } }
}

export const anthropicWire: WireFormat = {
  reject(request, settings) {
    const key = header(request, 'x-api-key')
    if (key === '') return error(401, 'authentication_error', 'x-api-key header is required')
    if (!isExpectedKey(settings, key)) return error(401, 'authentication_error', 'invalid x-api-key')
    if (header(request, 'anthropic-version') === '') {
      return error(400, 'invalid_request_error', 'anthropic-version: header is required')
    }
    return null
  },
  answer(request, settings) {
    const route = `${request.method} ${request.path}`
    if (route === 'POST /v1/messages') return messages(request, settings)
    if (route === 'GET /v1/models') return models()
    return { response: error(404, 'not_found_error', 'Not found') }
  },
}

/** An Anthropic API mock: Messages (JSON and the exact SSE sequence), model list; 401 unless `expectedKey`. */
export function startAnthropicMock(
  settings: Partial<MockSettings> & Pick<MockSettings, 'expectedKey'>,
): Promise<MockProvider> {
  return startMockProvider(anthropicWire, settings)
}
