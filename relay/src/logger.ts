import type { FastifyServerOptions } from 'fastify'
import type { LogLevel } from './config.js'

/** A destination for log lines (pino calls `write` with one JSON line). */
export interface LogSink {
  write(line: string): void
}

// Every header that can carry a relay token, a provider key or the app secret.
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-relay-token"]',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers["xi-api-key"]',
  'req.headers.cookie',
]

export function createLoggerOptions(level: LogLevel, sink?: LogSink): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT, censor: '[redacted]' },
    ...(sink ? { stream: sink } : {}),
    serializers: {
      // Only the path: query strings can carry keys (Gemini's ?key=) and bodies are never logged.
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, path: request.url.split('?')[0], ip: request.ip }
      },
    },
  }
}
