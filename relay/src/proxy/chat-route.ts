import { RelayError } from '../errors.js'
import type { ProviderSpec } from '../providers/index.js'
import { routeModel } from './models.js'

/** What `parseJsonBody` returns for a body that is not JSON (`undefined` cannot say it: it is not JSON). */
export const INVALID: unique symbol = Symbol('invalid JSON')

/** The body parsed as JSON (a leading UTF-8 BOM tolerated), or `INVALID`. */
export function parseJsonBody(body: Buffer): unknown {
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
  try {
    return JSON.parse(body.toString('utf8', start))
  } catch {
    return INVALID
  }
}

interface ChatCall {
  readonly provider: ProviderSpec
  /** The decoded path (model checks) and the path with query that is forwarded. */
  readonly path: string
  readonly pathAndQuery: string
  readonly body: Buffer
  /** `body`, parsed. */
  readonly json: Record<string, unknown>
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * `POST /relay`: where a `{ model, … }` body goes and what is sent. The model picks the provider
 * (`routeModel`). A body in the provider's own native shape (Gemini's `contents`) goes to its native method —
 * the streaming one, as SSE, when `stream: true` — with `model` and `stream` moved out of the body into the
 * path; any other body goes to the provider's OpenAI-compatible chat path. Only a rewrite re-serialises the
 * body; otherwise it goes out byte-for-byte.
 */
export function planChatCall(parsed: unknown, raw: Buffer): ChatCall {
  if (!isRecord(parsed) || typeof parsed.model !== 'string' || parsed.model === '') {
    throw new RelayError('validation_error', { message: 'body.model is required' })
  }
  const routed = routeModel(parsed.model)
  const { provider } = routed
  const native = provider.nativeChat
  if (native && parsed[native.bodyField] !== undefined && parsed.messages === undefined) {
    const { model: _model, stream, ...rest } = parsed
    const template = stream === true ? native.streamPath : native.path
    const pathAndQuery = template.replace('{model}', encodeURIComponent(routed.model))
    return {
      provider,
      path: pathAndQuery.split('?', 1)[0]!,
      pathAndQuery,
      body: Buffer.from(JSON.stringify(rest)),
      json: rest,
    }
  }
  if (!provider.chatPath) {
    throw new RelayError('provider_unknown', { message: `${provider.name} has no chat endpoint` })
  }
  if (routed.model === parsed.model) {
    return { provider, path: provider.chatPath, pathAndQuery: provider.chatPath, body: raw, json: parsed }
  }
  const json = { ...parsed, model: routed.model }
  return {
    provider,
    path: provider.chatPath,
    pathAndQuery: provider.chatPath,
    body: Buffer.from(JSON.stringify(json)),
    json,
  }
}
