import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { RelayError } from '../errors.js'
import { answerAndClose } from './client-errors.js'

interface ConnectionGuardOptions {
  /** Window over which a body still arriving must reach `bodyMinBytesPerSec`; 0 = off. */
  readonly bodyTimeoutMs: number
  readonly bodyMinBytesPerSec: number
  /** Open sockets per client key; 0 = no cap. */
  readonly maxConnectionsPerIp: number
  readonly clientKey: (ip: string | undefined) => string
  readonly now?: () => number
}

interface Watch {
  /** The request whose body is being received on this socket, if any. */
  request: IncomingMessage | undefined
  response: ServerResponse | undefined
  windowStart: number
  bytesAtStart: number
}

const WATCH = Symbol('byok.watch')
type WatchedSocket = Socket & { [WATCH]?: Watch }

export interface ConnectionGuards {
  /**
   * Closes the connections that have not sent a byte. Node's `closeIdleConnections()` leaves them open, and
   * clients open them ahead of need (browsers preconnect; Node 20's fetch reconnects after an abort), so without
   * this a closing server would wait for each until its client gave up. Called when the relay starts closing.
   */
  closeUnused(): void
  stop(): void
}

/**
 * Slowloris defences that Node's own timeouts miss (issue 17 item 6): a body dribbled one byte every few
 * seconds never goes idle, and Node's `requestTimeout` lets it hold the socket for minutes. One sweep per
 * server checks every connection for body progress by the socket's byte count, so the hot path adds no timer,
 * no listener and no allocation per request; state is per connection. The per-address connection cap stops one
 * client from holding hundreds of such sockets at once.
 */
export function registerConnectionGuards(server: Server, options: ConnectionGuardOptions): ConnectionGuards {
  const { bodyTimeoutMs, bodyMinBytesPerSec, maxConnectionsPerIp, clientKey } = options
  const now = options.now ?? Date.now
  const minBytes = (bodyMinBytesPerSec * bodyTimeoutMs) / 1000
  const open = new Map<string, number>()
  /** Every open connection (for closeUnused). */
  const connected = new Set<Socket>()
  /** The connections whose request bodies the sweep watches. */
  const sockets = new Set<WatchedSocket>()
  const closeUnused = () => {
    for (const socket of connected) if (socket.bytesRead === 0) socket.destroy()
  }

  server.on('connection', (socket: WatchedSocket) => {
    connected.add(socket)
    socket.once('close', () => connected.delete(socket))
    if (maxConnectionsPerIp > 0) {
      const key = clientKey(socket.remoteAddress)
      const count = open.get(key) ?? 0
      if (count >= maxConnectionsPerIp) {
        answerAndClose(
          socket,
          new RelayError('rate_limited', {
            message: 'Too many open connections from this address',
            hint: 'Close idle connections or reuse one (keep-alive).',
          }),
        )
        return
      }
      open.set(key, count + 1)
      socket.once('close', () => {
        const left = (open.get(key) ?? 1) - 1
        if (left <= 0) open.delete(key)
        else open.set(key, left)
      })
    }
    if (bodyTimeoutMs > 0) {
      socket[WATCH] = { request: undefined, response: undefined, windowStart: 0, bytesAtStart: 0 }
      sockets.add(socket)
      socket.once('close', () => sockets.delete(socket))
    }
  })

  if (bodyTimeoutMs === 0) return { closeUnused, stop: () => {} }
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const watch = (request.socket as WatchedSocket)[WATCH]
    if (watch) {
      watch.request = request
      watch.response = response
    }
  })

  const sweep = setInterval(
    () => {
      const at = now()
      for (const socket of sockets) {
        const watch = socket[WATCH]!
        const request = watch.request
        // Only a body still being received counts; a response already started (a stream) is exempt.
        if (!request || request.complete || watch.response?.headersSent) {
          watch.request = undefined
          watch.response = undefined
          watch.windowStart = 0
          continue
        }
        if (watch.windowStart === 0) {
          watch.windowStart = at
          watch.bytesAtStart = socket.bytesRead
        } else if (at - watch.windowStart >= bodyTimeoutMs) {
          if (socket.bytesRead - watch.bytesAtStart < minBytes) {
            sockets.delete(socket)
            answerAndClose(
              socket,
              new RelayError('request_timeout', { message: 'The request body arrived too slowly' }),
            )
          } else {
            watch.windowStart = at
            watch.bytesAtStart = socket.bytesRead
          }
        }
      }
    },
    Math.max(20, Math.min(1_000, bodyTimeoutMs / 4)),
  )
  sweep.unref()
  return { closeUnused, stop: () => clearInterval(sweep) }
}
