import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** What the provider saw: one request exactly as it arrived from the relay. */
export interface RecordedRequest {
  readonly method: string
  readonly path: string
  readonly query: URLSearchParams
  /** Path plus query as sent on the request line. */
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/** The token counts a mock reported for one call (what the relay's usage log must add up to). */
export interface ReportedUsage {
  readonly model: string
  readonly inputTokens: number
  readonly outputTokens: number
}

/** One write to the socket, timed with `performance.now()` just before it was handed to the socket. */
export interface SentChunk {
  readonly at: number
  readonly bytes: Buffer
}

export interface MockExchange {
  readonly request: RecordedRequest
  readonly response: {
    status: number
    /** Every body write in order; their concatenation is the exact body sent. */
    readonly writes: SentChunk[]
    usage: ReportedUsage | null
    /** When the connection to the relay closed (`performance.now()`), finished or cut off. */
    closedAt: number | null
    /** True when the whole body was written before the close. */
    completed: boolean
  }
  /** Resolves when the connection for this exchange closes. */
  readonly closed: Promise<void>
}

/** Knobs tests may change between calls (`mock.settings.delayMs = 200`). */
export interface MockSettings {
  /**
   * The only key the provider accepts; any other credential gets the provider's own 401. `null` accepts any
   * non-empty key (`byok dev --mock`, where the developer stores whatever key they like).
   */
  expectedKey: string | null
  /** Text deltas in an answer (each streamed as its own event). */
  chunks: number
  /** Pause before every streamed write after the first, in ms. */
  delayMs: number
  /** Cut the connection (no proper end) after this many streamed writes: a provider failing mid-stream. */
  cutAfter?: number | undefined
  /** Called when the connection to the relay closes, finished or not (abort tests). */
  onClose?: ((exchange: MockExchange) => void) | undefined
}

export type MockResponse =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly json: unknown }
  | { readonly headers: Record<string, string>; readonly frames: readonly string[] }

export interface MockAnswer {
  readonly response: MockResponse
  readonly usage?: ReportedUsage
}

/** One provider's wire format: how it checks credentials and what it answers. */
export interface WireFormat {
  /** A rejection in the provider's own shape, or null when the request may proceed. */
  reject(request: RecordedRequest, settings: MockSettings): MockResponse | null
  /** The answer to an accepted request. */
  answer(request: RecordedRequest, settings: MockSettings): MockAnswer
}

export interface MockProvider {
  /** Origin to use as `<ID>_BASE_URL`, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  readonly settings: MockSettings
  readonly exchanges: readonly MockExchange[]
  /** Stops the server, cutting any stream still running. */
  close(): Promise<void>
}

export const DEFAULT_SETTINGS: Omit<MockSettings, 'expectedKey'> = { chunks: 3, delayMs: 0 }

/**
 * Start a provider mock on 127.0.0.1 (ephemeral port) speaking `format`. Every request is recorded before it is
 * answered, and every response write is timed, so tests can assert both what the provider saw and when.
 */
export async function startMockProvider(
  format: WireFormat,
  settings: Partial<MockSettings> & Pick<MockSettings, 'expectedKey'>,
): Promise<MockProvider> {
  const current: MockSettings = { ...DEFAULT_SETTINGS, ...settings }
  const exchanges: MockExchange[] = []
  const stopping = new AbortController()

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = []
    for await (const chunk of req) parts.push(chunk as Buffer)
    const url = new URL(req.url ?? '/', 'http://mock.invalid')
    const request: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(parts),
    }
    let markClosed!: () => void
    const exchange: MockExchange = {
      request,
      response: { status: 0, writes: [], usage: null, closedAt: null, completed: false },
      closed: new Promise((resolve) => {
        markClosed = resolve
      }),
    }
    exchanges.push(exchange)
    const connectionGone = new AbortController()
    res.once('close', () => {
      exchange.response.closedAt = performance.now()
      exchange.response.completed = res.writableFinished
      connectionGone.abort()
      current.onClose?.(exchange)
      markClosed()
    })

    const rejection = format.reject(request, current)
    const { response, usage } = rejection
      ? { response: rejection, usage: undefined }
      : format.answer(request, current)
    exchange.response.usage = usage ?? null
    const signal = AbortSignal.any([connectionGone.signal, stopping.signal])
    await send(res, response, exchange, current, signal)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    settings: current,
    exchanges,
    async close() {
      stopping.abort()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

function record(res: ServerResponse, exchange: MockExchange, data: string): void {
  const bytes = Buffer.from(data, 'utf8')
  exchange.response.writes.push({ at: performance.now(), bytes })
  res.write(bytes)
}

/** JSON in one write; a stream one frame per write, `delayMs` apart, until done, cut, or the peer leaves. */
async function send(
  res: ServerResponse,
  response: MockResponse,
  exchange: MockExchange,
  { delayMs, cutAfter }: MockSettings,
  signal: AbortSignal,
): Promise<void> {
  if ('json' in response) {
    const body = JSON.stringify(response.json)
    exchange.response.status = response.status
    res.writeHead(response.status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...response.headers,
    })
    record(res, exchange, body)
    res.end()
    return
  }
  exchange.response.status = 200
  res.writeHead(200, { 'cache-control': 'no-cache', ...response.headers })
  res.flushHeaders()
  for (const [i, frame] of response.frames.entries()) {
    if (i > 0 && delayMs > 0) {
      try {
        await sleep(delayMs, undefined, { signal })
      } catch {
        return // the relay hung up or the mock is stopping
      }
    }
    if (signal.aborted || res.destroyed) return
    if (i === cutAfter) {
      // FIN after what was written so far, without the chunked terminator: a truncated response.
      res.socket?.end()
      return
    }
    record(res, exchange, frame)
  }
  res.end()
}

/** The body a mock sent for one exchange, byte for byte. */
export function sentBody(exchange: MockExchange): Buffer {
  return Buffer.concat(exchange.response.writes.map((w) => w.bytes))
}

/** `n` text deltas whose concatenation is the whole answer. */
export function textDeltas(n: number): string[] {
  return Array.from({ length: n }, (_, i) => (i === 0 ? 'Hello' : ` chunk-${i}`))
}

/** A deterministic "token count" for a prompt: one per 4 bytes of request body, at least 1. */
export function promptTokens(request: RecordedRequest): number {
  return Math.max(1, Math.ceil(request.body.length / 4))
}

export function parseJsonBody(request: RecordedRequest): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(request.body.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

/** True when `presented` is the key the mock expects (any non-empty key when it expects none in particular). */
export function isExpectedKey(settings: MockSettings, presented: string): boolean {
  return settings.expectedKey === null ? presented !== '' : presented === settings.expectedKey
}

/** First value of a header as a string ('' when absent). */
export function header(request: RecordedRequest, name: string): string {
  const value = request.headers[name]
  return (Array.isArray(value) ? value[0] : value) ?? ''
}
