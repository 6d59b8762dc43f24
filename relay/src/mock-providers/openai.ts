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

// OpenAI wire format: https://platform.openai.com/docs/api-reference/chat/create (chat.completion and
// chat.completion.chunk), https://platform.openai.com/docs/api-reference/responses-streaming (Responses events),
// https://platform.openai.com/docs/guides/error-codes (error envelope).

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8' }

function error(status: number, message: string, type: string, code: string | null): MockResponse {
  return { status, json: { error: { message, type, param: null, code } } }
}

function idHeaders(): Record<string, string> {
  return { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}`, 'openai-processing-ms': '12' }
}

function chatCompletions(request: RecordedRequest, settings: MockSettings): MockAnswer {
  const body = parseJsonBody(request)
  if (!body || typeof body.model !== 'string') {
    return { response: error(400, 'you must provide a model parameter', 'invalid_request_error', null) }
  }
  const model = body.model
  const deltas = textDeltas(settings.chunks)
  const usage = { model, inputTokens: promptTokens(request), outputTokens: deltas.length }
  const wireUsage = {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
  const base = {
    id: `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    created: Math.floor(Date.now() / 1000),
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  }
  if (body.stream !== true) {
    const json = {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: deltas.join(''), refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: wireUsage,
    }
    return { response: { status: 200, headers: idHeaders(), json }, usage }
  }
  // With include_usage every chunk carries `usage: null` and one extra last chunk has empty choices and the usage.
  const options = body.stream_options as { include_usage?: unknown } | undefined
  const includeUsage = options?.include_usage === true
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...(includeUsage ? { usage: null } : {}), ...extra })}\n\n`
  const choice = (delta: Record<string, unknown>, finish: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  })
  const frames = [
    chunk([choice({ role: 'assistant', content: '', refusal: null }, null)]),
    ...deltas.map((text) => chunk([choice({ content: text }, null)])),
    chunk([choice({}, 'stop')]),
    ...(includeUsage ? [chunk([], { usage: wireUsage })] : []),
    'data: [DONE]\n\n',
  ]
  return {
    response: { headers: { ...SSE_HEADERS, ...idHeaders() }, frames },
    usage: includeUsage ? usage : undefined,
  }
}

function responses(request: RecordedRequest, settings: MockSettings): MockAnswer {
  const body = parseJsonBody(request)
  if (!body || typeof body.model !== 'string') {
    return {
      response: error(
        400,
        "Missing required parameter: 'model'.",
        'invalid_request_error',
        'missing_required_parameter',
      ),
    }
  }
  const model = body.model
  const deltas = textDeltas(settings.chunks)
  const text = deltas.join('')
  const usage = { model, inputTokens: promptTokens(request), outputTokens: deltas.length }
  const id = `resp_${randomUUID().replaceAll('-', '')}`
  const itemId = `msg_${randomUUID().replaceAll('-', '')}`
  const part = (t: string) => ({ type: 'output_text', annotations: [], logprobs: [], text: t })
  const item = (status: string, content: unknown[]) => ({
    id: itemId,
    type: 'message',
    status,
    content,
    role: 'assistant',
  })
  const response = (status: string, output: unknown[], withUsage: boolean) => ({
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: withUsage
      ? {
          input_tokens: usage.inputTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: usage.outputTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: usage.inputTokens + usage.outputTokens,
        }
      : null,
    user: null,
    metadata: {},
  })
  const done = item('completed', [part(text)])
  if (body.stream !== true) {
    return {
      response: { status: 200, headers: idHeaders(), json: response('completed', [done], true) },
      usage,
    }
  }
  let sequence = 0
  const event = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`
  const at = { item_id: itemId, output_index: 0, content_index: 0 }
  const frames = [
    event('response.created', { response: response('in_progress', [], false) }),
    event('response.in_progress', { response: response('in_progress', [], false) }),
    event('response.output_item.added', { output_index: 0, item: item('in_progress', []) }),
    event('response.content_part.added', { ...at, part: part('') }),
    ...deltas.map((delta) => event('response.output_text.delta', { ...at, delta, logprobs: [] })),
    event('response.output_text.done', { ...at, text, logprobs: [] }),
    event('response.content_part.done', { ...at, part: part(text) }),
    event('response.output_item.done', { output_index: 0, item: done }),
    event('response.completed', { response: response('completed', [done], true) }),
  ]
  return { response: { headers: { ...SSE_HEADERS, ...idHeaders() }, frames }, usage }
}

function models(): MockAnswer {
  const data = ['gpt-4o-mini', 'gpt-4.1'].map((id) => ({
    id,
    object: 'model',
    created: 1715367049,
    owned_by: 'system',
  }))
  return { response: { status: 200, headers: idHeaders(), json: { object: 'list', data } } }
}

export const openaiWire: WireFormat = {
  reject(request, settings) {
    const auth = header(request, 'authorization')
    if (auth === '') {
      return error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
        null,
      )
    }
    if (!/^Bearer\s+/i.test(auth) || !isExpectedKey(settings, auth.replace(/^Bearer\s+/i, ''))) {
      const presented = auth.replace(/^Bearer\s+/i, '')
      return error(
        401,
        `Incorrect API key provided: ${presented.slice(0, 3)}***${presented.slice(-4)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        'invalid_request_error',
        'invalid_api_key',
      )
    }
    return null
  },
  answer(request, settings) {
    const route = `${request.method} ${request.path}`
    if (route === 'POST /v1/chat/completions') return chatCompletions(request, settings)
    if (route === 'POST /v1/responses') return responses(request, settings)
    if (route === 'GET /v1/models') return models()
    return { response: error(404, `Invalid URL (${route})`, 'invalid_request_error', null) }
  },
}

/** An OpenAI API mock: chat completions, Responses (JSON and SSE), model list; 401 unless `expectedKey`. */
export function startOpenAIMock(
  settings: Partial<MockSettings> & Pick<MockSettings, 'expectedKey'>,
): Promise<MockProvider> {
  return startMockProvider(openaiWire, settings)
}
