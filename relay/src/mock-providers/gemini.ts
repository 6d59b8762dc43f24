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

// Gemini API wire format: https://ai.google.dev/api/generate-content (GenerateContentResponse, UsageMetadata,
// streamGenerateContent with alt=sse), https://ai.google.dev/gemini-api/docs/troubleshooting (error envelope).

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(generateContent|streamGenerateContent)$/

function error(code: number, status: string, message: string, reason?: string): MockResponse {
  const details = reason
    ? [
        {
          '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
          reason,
          domain: 'googleapis.com',
          metadata: { service: 'generativelanguage.googleapis.com' },
        },
      ]
    : undefined
  return {
    status: code,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    json: { error: { code, message, status, ...(details ? { details } : {}) } },
  }
}

function generate(
  request: RecordedRequest,
  settings: MockSettings,
  model: string,
  stream: boolean,
): MockAnswer {
  const body = parseJsonBody(request)
  if (!body || !Array.isArray(body.contents)) {
    return {
      response: error(
        400,
        'INVALID_ARGUMENT',
        '* GenerateContentRequest.contents: contents is not specified',
      ),
    }
  }
  const deltas = textDeltas(settings.chunks)
  const usage = { model, inputTokens: promptTokens(request), outputTokens: deltas.length }
  const usageMetadata = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.inputTokens }],
  }
  const responseId = randomUUID().replaceAll('-', '').slice(0, 22)
  const candidate = (text: string, last: boolean) => ({
    content: { parts: [{ text }], role: 'model' },
    ...(last ? { finishReason: 'STOP' } : {}),
    index: 0,
  })
  if (!stream) {
    const json = {
      candidates: [candidate(deltas.join(''), true)],
      usageMetadata,
      modelVersion: model,
      responseId,
    }
    return {
      response: { status: 200, headers: { 'content-type': 'application/json; charset=UTF-8' }, json },
      usage,
    }
  }
  // Only the last chunk carries the finish reason and the final usage.
  const chunks = deltas.map((text, i) => {
    const last = i === deltas.length - 1
    return JSON.stringify({
      candidates: [candidate(text, last)],
      ...(last ? { usageMetadata } : {}),
      modelVersion: model,
      responseId,
    })
  })
  if (request.query.get('alt') === 'sse') {
    const frames = chunks.map((json) => `data: ${json}\r\n\r\n`)
    return { response: { headers: { 'content-type': 'text/event-stream' }, frames }, usage }
  }
  // Without alt=sse the stream is one JSON array, sent element by element.
  const frames = [...chunks.map((json, i) => (i === 0 ? `[${json}` : `,\r\n${json}`)), ']']
  return { response: { headers: { 'content-type': 'application/json; charset=UTF-8' }, frames }, usage }
}

export const geminiWire: WireFormat = {
  // Google's error envelope; the status is 401 for both cases so every mock refuses a wrong key alike (the live API
  // says 400 INVALID_ARGUMENT/API_KEY_INVALID for a bad key and 403 PERMISSION_DENIED for a missing one).
  reject(request, settings) {
    const key = header(request, 'x-goog-api-key') || (request.query.get('key') ?? '')
    if (key === '') {
      return error(
        401,
        'UNAUTHENTICATED',
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
      )
    }
    if (!isExpectedKey(settings, key)) {
      return error(
        401,
        'UNAUTHENTICATED',
        'API key not valid. Please pass a valid API key.',
        'API_KEY_INVALID',
      )
    }
    return null
  },
  answer(request, settings) {
    const match = request.method === 'POST' ? ROUTE.exec(request.path) : null
    if (!match) return { response: error(404, 'NOT_FOUND', `Method not found.`) }
    return generate(request, settings, match[2]!, match[3] === 'streamGenerateContent')
  },
}

/** A Gemini API mock: generateContent and streamGenerateContent (SSE or JSON array); 401 unless `expectedKey`. */
export function startGeminiMock(
  settings: Partial<MockSettings> & Pick<MockSettings, 'expectedKey'>,
): Promise<MockProvider> {
  return startMockProvider(geminiWire, settings)
}
