import type { FastifyReply } from 'fastify'
import { type Dispatcher, request } from 'undici'
import type { RelayError } from '../errors.js'
import { pickResponseHeaders } from './headers.js'
import { toUpstreamError } from './upstream.js'
import { createUsageTap, type Usage } from './usage.js'

export interface UpstreamCall {
  readonly url: string
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: Buffer | undefined
  readonly dispatcher: Dispatcher
}

export interface CallOutcome {
  /** Upstream status; the relay's own on failure; 499 when the client went away first. */
  readonly status: number
  readonly usage: Usage
}

const NO_USAGE: Usage = { inputTokens: null, outputTokens: null, model: null }

function sseErrorFrame(error: RelayError): string {
  return `event: error\ndata: ${JSON.stringify(error.toBody())}\n\n`
}

/**
 * Forward one call and stream the answer back as it arrives (SPEC §3.4). The reply is hijacked and the upstream
 * body written straight to the socket: no intermediate stream, no buffering, so each provider chunk is one
 * write to the client, and a slow client pauses the provider connection (backpressure). The usage tap only
 * observes the chunks. A client disconnect aborts the upstream request. `onDone` runs once, after the response
 * has finished or been cut off.
 */
export async function forwardCall(
  reply: FastifyReply,
  call: UpstreamCall,
  onDone: (outcome: CallOutcome) => void,
): Promise<FastifyReply> {
  const res = reply.raw
  const abort = new AbortController()
  let status = 499
  let usage = NO_USAGE
  // request.signal fires early for POSTs with bodies (Fastify 5.12), so the response's close is the signal.
  res.once('close', () => {
    if (!res.writableFinished) abort.abort()
    onDone({ status, usage })
  })

  let upstream: Dispatcher.ResponseData
  try {
    upstream = await request(call.url, {
      method: call.method as Dispatcher.HttpMethod,
      headers: call.headers,
      body: call.body,
      dispatcher: call.dispatcher,
      signal: abort.signal,
    })
  } catch (error) {
    if (abort.signal.aborted) return reply.hijack()
    const relayError = toUpstreamError(error)
    status = relayError.statusCode
    throw relayError
  }

  status = upstream.statusCode
  const contentType = upstream.headers['content-type']
  const type = Array.isArray(contentType) ? contentType[0] : contentType
  const isSse = type?.startsWith('text/event-stream') ?? false
  const tap = createUsageTap(type)
  const body = upstream.body

  reply.hijack()
  res.writeHead(upstream.statusCode, {
    // CORS and security headers set by the hooks so far, then what the provider said.
    ...reply.getHeaders(),
    ...pickResponseHeaders(upstream.headers),
    // Reverse proxies (nginx) buffer responses unless told otherwise, which would hold SSE chunks back.
    ...(isSse ? { 'x-accel-buffering': 'no' } : {}),
  } as Record<string, string | string[]>)

  body.on('data', (chunk: Buffer) => {
    tap.write(chunk)
    if (!res.write(chunk)) body.pause()
  })
  res.on('drain', () => body.resume())
  body.once('end', () => {
    usage = tap.finish()
    res.end()
  })
  body.once('error', (error) => {
    if (abort.signal.aborted) return
    // Headers are gone already: an SSE client gets a final error event, anything else a cut connection.
    if (isSse) res.end(sseErrorFrame(toUpstreamError(error)))
    else res.destroy(error)
  })
  return reply
}
