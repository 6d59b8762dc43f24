import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
import { pino } from 'pino'
import type { LogLevel } from './config.js'

/** A destination for log lines (pino calls `write` with one JSON line). */
export interface LogSink {
  write(line: string): void
}

const LOGS_INFO = new Set(['info', 'debug', 'trace'])

/**
 * The access log: one `request completed` line per request (reqId, method, path, client IP, status, response
 * time) instead of Fastify's two (`incoming request` + `request completed`), which halves the request log's
 * cost. A request whose client left before the response finished gets a `request aborted` line instead.
 */
class AccessLog extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request) || !LOGS_INFO.has(request.log.level)) return
    reply.raw.once('close', () => {
      // Ended means handed to the socket in full; a client gone before that never got the whole answer.
      if (!reply.raw.writableEnded)
        request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request aborted')
    })
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (this.isLogDisabled(request)) return
    if (error) {
      reply.log.error(
        { req: request, res: reply, err: error, responseTime: reply.elapsedTime },
        'request errored',
      )
    } else {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
    }
  }
}

/** How long an access line may wait in the buffer on a quiet relay. */
const ACCESS_FLUSH_MS = 100
/** pino's message key closes every line: access lines are told apart by their ending alone. */
const ACCESS_LINE_ENDING = '"msg":"request completed"}\n'

/**
 * Standard output for the relay's log. Access lines are most of a busy relay's log, and one write(2) each was
 * ~10 % of its CPU per JSON request: they are gathered into writes of 32 KB, flushed within 100 ms. (With 4 KB
 * writes, about one per 16 requests, the write still took ~6 % of the relay's CPU time in the profile though
 * not in instructions counted: the cost is handing each write to a thread-pool thread, which here shares the
 * relay's core. 32 KB is about one write per 130 requests.) Every other
 * line (start-up, warnings, errors) flushes at once, with what is buffered before it, so order is kept. pino's
 * destination flushes synchronously when the process exits. One per process: relays in one process share it.
 */
let stdoutSink: LogSink | undefined
function bufferedStdout(): LogSink {
  if (stdoutSink) return stdoutSink
  // minLength must stay below maxWrite (sonic-boom refuses otherwise); 64 KB is one pipe buffer.
  const destination = pino.destination({ dest: 1, sync: false, minLength: 32_768, maxWrite: 65_536 })
  let timer: NodeJS.Timeout | undefined
  const flush = () => {
    timer = undefined
    destination.flush()
  }
  stdoutSink = {
    write(line: string) {
      destination.write(line)
      if (!line.endsWith(ACCESS_LINE_ENDING)) {
        clearTimeout(timer)
        flush()
      } else if (timer === undefined) {
        timer = setTimeout(flush, ACCESS_FLUSH_MS).unref()
      }
    },
  }
  return stdoutSink
}

export function createLoggerOptions(
  level: LogLevel,
  sink?: LogSink,
): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  return {
    logController: new AccessLog(),
    logger: {
      level,
      stream: sink ?? bufferedStdout(),
      serializers: {
        // Only method, path and IP: headers (tokens, keys, cookies), query strings (Gemini's ?key=) and bodies
        // never reach a log line. pino applies this to any `req` logged, so no redaction pass is needed.
        req(request: { method: string; url: string; ip?: string; id?: string }) {
          return { method: request.method, path: request.url.split('?')[0], ip: request.ip }
        },
      },
    },
  }
}
