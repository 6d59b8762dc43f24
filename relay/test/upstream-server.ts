import { once } from 'node:events'
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { baseUrlVariable, type Env, findProvider, PROVIDER_IDS } from '../src/index.js'

/** One request as a mock provider saw it: nothing normalised, the body as raw bytes. */
export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  /** Resolves when the upstream side of this request closed (answered, or aborted by the relay). */
  readonly closed: Promise<void>
}

export type Responder = (req: RecordedRequest, res: ServerResponse) => void

/** A loopback HTTP server standing in for a provider: records every request and connection. */
export interface UpstreamServer {
  readonly origin: string
  readonly port: number
  readonly requests: RecordedRequest[]
  /** TCP connections accepted since the last reset (a refused SSRF target must see none). */
  readonly connections: () => number
  /** How the next requests are answered (default: 200 `{"ok":true}`). */
  respond(responder: Responder): void
  reset(): void
  close(): Promise<void>
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Responder =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers })
    res.end(JSON.stringify(body))
  }

const DEFAULT_RESPONDER = json(200, { ok: true })

/** Starts a recording server on 127.0.0.1 (port 0). Close it with `close()`, which also drops held sockets. */
export async function startUpstream(responder: Responder = DEFAULT_RESPONDER): Promise<UpstreamServer> {
  let current = responder
  let connections = 0
  const requests: RecordedRequest[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    const closed = once(res, 'close').then(() => undefined)
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        closed,
      }
      requests.push(recorded)
      current(recorded, res)
    })
  })
  server.on('connection', (socket: Socket) => {
    connections += 1
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections: () => connections,
    respond(next) {
      current = next
    },
    reset() {
      requests.length = 0
      connections = 0
      current = responder
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

/** Rate limits off (tests that exercise limits set their own). */
export const NO_LIMITS: Env = {
  RATE_LIMIT_GLOBAL_PER_MIN: '0',
  RATE_LIMIT_RELAY_PER_MIN: '0',
  RATE_LIMIT_REGISTER_PER_HOUR: '0',
}

/** `<ID>_BASE_URL` for every built-in provider (openai-compatible included), all pointing at `origin`. */
export function allBaseUrls(origin: string): Env {
  return Object.fromEntries(PROVIDER_IDS.map((id) => [baseUrlVariable(id), origin]))
}

/** The value `*` in a route pattern is replaced with: a model-like segment. */
export const WILDCARD_VALUE = 'gemini-2.5-flash'

/** `"POST /v1beta/models/*:generateContent"` → `['POST', '/v1beta/models/gemini-2.5-flash:generateContent']`. */
export function instantiateRoute(route: string): [method: string, path: string] {
  const [method, pattern] = route.split(' ') as [string, string]
  return [method, pattern.replaceAll('*', WILDCARD_VALUE)]
}

/** The first POST route of a provider, instantiated. */
export function firstPostRoute(id: string): [method: string, path: string] {
  const route = findProvider(id)?.routes.find((r) => r.startsWith('POST '))
  if (!route) throw new Error(`${id} has no POST route`)
  return instantiateRoute(route)
}

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/**
 * Sends `method path` to a listening app over a real socket with the path exactly as given: unlike `inject()`
 * (which parses the URL with WHATWG rules), nothing resolves `..`, `%2e` or backslashes on the way.
 */
export async function rawRequest(
  app: FastifyInstance,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<RawResponse> {
  const { port } = app.server.address() as AddressInfo
  const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false })
  req.end(body)
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }
}
