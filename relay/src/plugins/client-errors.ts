import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { RelayError } from '../errors.js'

/** After the answer is flushed (or this long, for a peer that stopped reading), the socket is destroyed. */
const FLUSH_GRACE_MS = 1_000

/**
 * Answer on a raw socket, outside any Fastify request (a client error Node detected, a stalled body, one socket
 * too many), in the same `{ error, code, hint? }` shape as every other answer, then close the connection.
 */
export function answerAndClose(socket: Duplex, error: RelayError): void {
  if (socket.destroyed) return
  if (socket.writable) {
    const body = JSON.stringify(error.toBody())
    let head = `HTTP/1.1 ${error.statusCode} ${STATUS_CODES[error.statusCode]}\r\n`
    for (const [name, value] of Object.entries(error.headers)) head += `${name}: ${value}\r\n`
    head += `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`
    socket.end(head + body, () => socket.destroy())
    setTimeout(() => socket.destroy(), FLUSH_GRACE_MS).unref()
  } else socket.destroy()
}

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refused the request (Transfer-Encoding with
 * Content-Length, a bad method, headers too large) or the request/headers timeout fired. Fastify's default
 * answers these as `{ error, message, statusCode }`; SPEC §3.1 wants the catalogue's shape.
 */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    answerAndClose(socket, new RelayError('request_timeout'))
  } else if (error.code === 'HPE_HEADER_OVERFLOW') {
    answerAndClose(socket, new RelayError('headers_too_large'))
  } else {
    answerAndClose(
      socket,
      new RelayError('validation_error', {
        message: 'Malformed HTTP request',
        hint: 'Send either Content-Length or Transfer-Encoding: chunked, not both, and valid HTTP/1.1.',
      }),
    )
  }
}
