import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type ErrorCode, RelayError } from '../errors.js'

// Fastify's own client errors, mapped onto the catalogue. Anything not listed and not a RelayError is a 500
// whose details stay in the server log (unknown errors never cross the wire).
const FASTIFY_CODES: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'validation_error', message: 'Request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'validation_error', message: 'Request body is empty' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'body_too_large', message: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported_media_type', message: 'Unsupported content type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'validation_error',
    message: 'Content-Length does not match the body',
  },
  FST_ERR_CTP_INVALID_TYPE: { code: 'validation_error', message: 'Invalid Content-Type header' },
}

function describeValidation(error: FastifyError): string {
  const first = error.validation?.[0]
  if (!first) return 'Invalid request'
  const where = error.validationContext ?? 'body'
  const field = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : ''
  const missing = (first.params as { missingProperty?: string } | undefined)?.missingProperty
  if (missing) return `${where}.${missing} is required`
  return `${field ? `${where}.${field}` : where} ${first.message ?? 'is invalid'}`
}

function toRelayError(error: FastifyError | RelayError | Error): RelayError | undefined {
  if (error instanceof RelayError) return error
  const fe = error as FastifyError
  if (fe.validation) return new RelayError('validation_error', { message: describeValidation(fe) })
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (mapped) return new RelayError(mapped.code, { message: mapped.message })
  // A SyntaxError from a content parser carries statusCode 400.
  if (fe.statusCode === 400) return new RelayError('validation_error', { message: 'Malformed request' })
  return undefined
}

export function sendError(reply: FastifyReply, error: RelayError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value)
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(error.toBody())
}

export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const known = toRelayError(error)
    if (known) {
      if (known.statusCode >= 500)
        request.log.error({ err: known.cause ?? known, code: known.code }, known.message)
      return sendError(reply, known)
    }
    request.log.error({ err: error }, 'unhandled error')
    return sendError(reply, new RelayError('internal_error'))
  })
}
