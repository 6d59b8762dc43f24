import type { FastifyReply } from 'fastify'
import type { Dispatcher } from 'undici'
import type { RelayError } from '../errors.js'
import { pickResponseHeaders } from './headers.js'
import { toUpstreamError } from './upstream.js'
import { createUsageTap, type Usage, type UsageTap } from './usage.js'

interface UpstreamCall {
  /** e.g. `https://api.openai.com` */
  readonly origin: string
  /** Path (with the base URL's prefix) and query, already checked and encoded. */
  readonly path: string
  readonly method: string
  readonly headers: Record<string, string>
  readonly body: Buffer | undefined
  readonly dispatcher: Dispatcher
}

interface CallOutcome {
  /** Upstream status; the relay's own on failure (502/504, also mid-stream); 499 when the client left first. */
  readonly status: number
  readonly usage: Usage
}

const NO_USAGE: Usage = { inputTokens: null, outputTokens: null, model: null }
const CLIENT_GONE = new Error('client closed the connection')

function sseErrorFrame(error: RelayError): string {
  return `event: error\ndata: ${JSON.stringify(error.toBody())}\n\n`
}

/**
 * Forward one call and stream the answer back as it arrives (SPEC §3.4). This uses undici's low-level dispatch
 * API: each provider chunk is written straight to the client socket (no intermediate stream, no buffering), a
 * full socket buffer pauses the provider connection (backpressure), and a client disconnect aborts the upstream
 * request. The usage tap only observes the chunks. Errors before the response starts reject (and become a
 * 502/504 error body); after that, an SSE client gets a final `event: error` frame and any other body is cut.
 * `onDone` runs once, when the client connection is finished or closed.
 */
export function forwardCall(
  reply: FastifyReply,
  call: UpstreamCall,
  onDone: (outcome: CallOutcome) => void,
): Promise<FastifyReply> {
  const res = reply.raw
  let status = 499
  let usage = NO_USAGE
  let clientGone = false
  let controller: Dispatcher.DispatchController | undefined
  let tap: UsageTap | undefined
  let isSse = false

  return new Promise((resolve, reject) => {
    // request.signal fires early for POSTs with bodies (Fastify 5.12), so the response's close is the signal.
    res.once('close', () => {
      if (!res.writableFinished) {
        clientGone = true
        if (controller && !controller.aborted) controller.abort(CLIENT_GONE)
      }
      onDone({ status, usage })
    })

    call.dispatcher.dispatch(
      {
        origin: call.origin,
        path: call.path,
        method: call.method as Dispatcher.HttpMethod,
        headers: call.headers,
        body: call.body ?? null,
      },
      {
        onRequestStart(ctl) {
          controller = ctl
          if (clientGone) ctl.abort(CLIENT_GONE)
        },
        onResponseStart(ctl, statusCode, headers) {
          if (statusCode < 200) return // 1xx informational responses are not relayed
          status = statusCode
          const contentType = headers['content-type']
          const type = Array.isArray(contentType) ? contentType[0] : contentType
          isSse = type?.startsWith('text/event-stream') ?? false
          tap = createUsageTap(type)
          reply.hijack()
          // CORS and security headers set by the hooks so far (a fresh object), then what the provider said.
          const out = pickResponseHeaders(headers, reply.getHeaders() as Record<string, string | string[]>)
          // Reverse proxies (nginx) buffer responses unless told otherwise, which would hold SSE chunks back.
          if (isSse) out['x-accel-buffering'] = 'no'
          res.writeHead(statusCode, out)
          res.on('drain', () => ctl.resume())
          resolve(reply)
        },
        onResponseData(ctl, chunk) {
          tap?.write(chunk)
          if (!res.write(chunk)) ctl.pause()
        },
        onResponseEnd() {
          if (tap) usage = tap.finish()
          res.end()
        },
        onResponseError(_ctl, error) {
          if (clientGone) {
            // Nobody is listening any more; make sure Fastify does not try to answer either.
            if (!tap) resolve(reply.hijack())
            return
          }
          const relayError = toUpstreamError(error)
          status = relayError.statusCode
          if (!tap) {
            reject(relayError)
            return
          }
          usage = tap.finish()
          if (isSse) res.end(sseErrorFrame(relayError))
          else res.destroy(error)
        },
      },
    )
  })
}
