import { type FastifyReply, type FastifyRequest, type FastifyServerOptions, LogController } from 'fastify'
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

export function createLoggerOptions(
  level: LogLevel,
  sink?: LogSink,
): Pick<FastifyServerOptions, 'logger' | 'logController'> {
  return {
    logController: new AccessLog(),
    logger: {
      level,
      ...(sink ? { stream: sink } : {}),
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
