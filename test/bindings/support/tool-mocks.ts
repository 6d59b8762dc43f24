import { randomUUID } from 'node:crypto'
import {
  anthropicWire,
  geminiWire,
  type MockAnswer,
  openaiWire,
  parseJsonBody,
  type RecordedRequest,
  type WireFormat,
} from '@byok/relay/mock-providers'

/** The arguments every mock model calls the first tool with. */
export const TOOL_INPUT = { city: 'Paris' }

const sse = (frames: string[]): MockAnswer => ({
  response: { headers: { 'content-type': 'text/event-stream; charset=utf-8' }, frames },
})

const named = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

type Json = Record<string, unknown>
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : [])

/**
 * Each provider's streamed tool call, in its own wire format: the first tool of the request called with
 * TOOL_INPUT, its arguments split over two deltas. Returns null when the request offers no tools or already
 * carries a tool result (the second step), which the provider's plain mock answers with text.
 */
const TOOL_CALLS: Record<'openai' | 'anthropic' | 'google', (body: Json) => MockAnswer | null> = {
  // OpenAI Responses API: https://platform.openai.com/docs/api-reference/responses-streaming
  openai(body) {
    const tool = list(body.tools)[0]
    if (!tool || list(body.input).some((item) => item.type === 'function_call_output')) return null
    const args = JSON.stringify(TOOL_INPUT)
    const response = { id: `resp_${randomUUID()}`, object: 'response', created_at: 1, model: body.model }
    const call = { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: tool.name, arguments: '' }
    let sequence = 0
    const event = (type: string, data: Json) => named(type, { sequence_number: sequence++, ...data })
    return sse([
      event('response.created', { response: { ...response, status: 'in_progress' } }),
      event('response.output_item.added', { output_index: 0, item: { ...call, status: 'in_progress' } }),
      ...[args.slice(0, 5), args.slice(5)].map((delta) =>
        event('response.function_call_arguments.delta', { item_id: 'fc_1', output_index: 0, delta }),
      ),
      event('response.function_call_arguments.done', { item_id: 'fc_1', output_index: 0, arguments: args }),
      event('response.output_item.done', {
        output_index: 0,
        item: { ...call, arguments: args, status: 'completed' },
      }),
      event('response.completed', {
        response: { ...response, status: 'completed', usage: { input_tokens: 5, output_tokens: 5 } },
      }),
    ])
  },
  // Anthropic Messages: https://docs.anthropic.com/en/docs/build-with-claude/tool-use (streaming input_json_delta)
  anthropic(body) {
    const tool = list(body.tools)[0]
    const results = list(body.messages).flatMap((m) => list(m.content))
    if (!tool || results.some((block) => block.type === 'tool_result')) return null
    const args = JSON.stringify(TOOL_INPUT)
    const usage = { input_tokens: 5, output_tokens: 1 }
    return sse([
      named('message_start', {
        message: {
          id: 'msg_tool',
          type: 'message',
          role: 'assistant',
          model: body.model,
          content: [],
          usage,
        },
      }),
      named('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_1', name: tool.name, input: {} },
      }),
      ...[args.slice(0, 5), args.slice(5)].map((partial_json) =>
        named('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json } }),
      ),
      named('content_block_stop', { index: 0 }),
      named('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }),
      named('message_stop', {}),
    ])
  },
  // Gemini: https://ai.google.dev/gemini-api/docs/function-calling (a functionCall part; no partial arguments)
  google(body) {
    const declaration = list(list(body.tools)[0]?.functionDeclarations)[0]
    const parts = list(body.contents).flatMap((c) => list(c.parts))
    if (!declaration || parts.some((part) => part.functionResponse)) return null
    const chunk = {
      candidates: [
        {
          content: { role: 'model', parts: [{ functionCall: { name: declaration.name, args: TOOL_INPUT } }] },
          finishReason: 'STOP',
          index: 0,
        },
      ],
      usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 5, totalTokenCount: 10 },
    }
    return sse([`data: ${JSON.stringify(chunk)}\r\n\r\n`])
  },
}

const WIRES = { openai: openaiWire, anthropic: anthropicWire, google: geminiWire }

/** The provider's mock wire format, answering a request that offers tools with a tool call first. */
export function toolCallingWire(provider: keyof typeof WIRES): WireFormat {
  const wire = WIRES[provider]
  return {
    reject: (request, settings) => wire.reject(request, settings),
    answer(request: RecordedRequest, settings) {
      const body = parseJsonBody(request)
      return (body && TOOL_CALLS[provider](body)) ?? wire.answer(request, settings)
    },
  }
}
