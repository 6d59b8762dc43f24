import {
  type MockAnswer,
  type MockProvider,
  type MockSettings,
  openaiWire,
  startMockProvider,
  type WireFormat,
} from '@byok/relay/mock-providers'

/** What the next chat completion answers instead of the mock's standard reply. */
export type ScriptedAnswer =
  | { readonly reply: string; readonly chunks?: number }
  | { readonly status: number; readonly message: string; readonly headers?: Record<string, string> }

export interface ScriptedOpenAI extends MockProvider {
  /** Queues answers for the next chat completions (the models list and key checks are unaffected). */
  script(...answers: ScriptedAnswer[]): void
  /** Queues an error for the next models list, which is also how the relay checks a key (`GET /v1/models`). */
  scriptModelsError(status: number, message: string): void
}

/** `text` in `n` pieces of about equal length, split between characters so every piece is visible on its own. */
function split(text: string, n: number): string[] {
  const size = Math.ceil(text.length / n)
  return Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size))
}

// https://platform.openai.com/docs/api-reference/chat-streaming (chunk shape) and /docs/guides/error-codes.
function answerWith(answer: ScriptedAnswer, model: string): MockAnswer {
  if ('status' in answer) {
    const json = { error: { message: answer.message, type: 'requests', param: null, code: null } }
    return {
      response: { status: answer.status, json, ...(answer.headers ? { headers: answer.headers } : {}) },
    }
  }
  const base = { id: 'chatcmpl-scripted', object: 'chat.completion.chunk', created: 1, model }
  const frame = (delta: Record<string, unknown>, finish: string | null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
  const frames = [
    frame({ role: 'assistant', content: '' }, null),
    ...split(answer.reply, answer.chunks ?? 6).map((content) => frame({ content }, null)),
    frame({}, 'stop'),
    'data: [DONE]\n\n',
  ]
  return { response: { headers: { 'content-type': 'text/event-stream; charset=utf-8' }, frames } }
}

/**
 * The shared OpenAI mock (`test/mocks/openai.ts`: key check, streaming, models list) with answers a test can
 * script: a markdown reply, hostile HTML, a provider error.
 */
export async function startScriptedOpenAI(
  settings: Partial<MockSettings> & Pick<MockSettings, 'expectedKey'>,
): Promise<ScriptedOpenAI> {
  const queue: ScriptedAnswer[] = []
  const modelsErrors: { status: number; message: string }[] = []
  const wire: WireFormat = {
    reject: openaiWire.reject,
    answer(request, current) {
      const modelsError = request.path === '/v1/models' ? modelsErrors.shift() : undefined
      if (modelsError) return answerWith(modelsError, '')
      const next =
        request.method === 'POST' && request.path === '/v1/chat/completions' ? queue.shift() : undefined
      if (!next) return openaiWire.answer(request, current)
      const model = String((JSON.parse(request.body.toString('utf8')) as { model?: unknown }).model ?? '')
      return answerWith(next, model)
    },
  }
  const mock = await startMockProvider(wire, settings)
  return Object.assign(mock, {
    script: (...answers: ScriptedAnswer[]) => void queue.push(...answers),
    scriptModelsError: (status: number, message: string) => void modelsErrors.push({ status, message }),
  })
}
