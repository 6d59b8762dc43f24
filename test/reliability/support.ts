import { type ChildProcess, fork, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { expect } from 'vitest'
import { captureLogOutput, noteSecret } from '../log-scan.js'

/** `pnpm soak` sets SOAK=1: the same scenarios with larger counts (not run in CI). */
export const SOAK = process.env.SOAK === '1'

/** The CI count, or the soak count under `pnpm soak`. */
export function scaled(ci: number, soak: number): number {
  return SOAK ? soak : ci
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** tsx's loader as a file URL, so children resolve it whatever their working directory. */
export const TSX_LOADER = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href
export const RELAY_BIN = join(ROOT, 'relay/src/bin/byok-relay.ts')

export const ENCRYPTION_SECRET = 'reliability-encryption-secret-0123456789abcdef'
noteSecret('ENCRYPTION_SECRET', ENCRYPTION_SECRET)
export const APP_SECRET = 'reliability-app-secret-0123456789'
noteSecret('APP_SECRET', APP_SECRET)

/** Rate limits off: scenarios that test limits set their own. */
export const NO_LIMITS = {
  RATE_LIMIT_GLOBAL_PER_MIN: '0',
  RATE_LIMIT_RELAY_PER_MIN: '0',
  RATE_LIMIT_REGISTER_PER_HOUR: '0',
  // Load and fault scenarios open many sockets from 127.0.0.1 on purpose.
  MAX_CONNECTIONS_PER_IP: '0',
} as const

// ---------------------------------------------------------------------------------------------------------------
// A provider that misbehaves on request. The fault is chosen by the query string, which the relay forwards.

/** One request as the fault upstream saw it. */
export interface UpstreamHit {
  readonly url: string
  readonly headers: IncomingMessage['headers']
  readonly query: URLSearchParams
  readonly arrivedAt: number
  /** performance.now() when the relay's side of this request closed (answered or aborted), else null. */
  closedAt: number | null
  readonly closed: Promise<void>
}

export interface FaultUpstream {
  readonly origin: string
  readonly hits: UpstreamHit[]
  /** TCP connections currently open to the upstream. */
  openSockets(): number
  /** Body bytes written by `fault=big` answers so far (all fault upstreams of this process). */
  bytesSent(): number
  close(): Promise<void>
}

const CHUNK = Buffer.alloc(64 * 1024, 'a')

/** Bytes the fault upstream has handed to its sockets (a paused reader shows up as a stalled count). */
let bytesSent = 0

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done)
    res.on('close', done)
  })
}

async function writeRespectingBackpressure(res: ServerResponse, bytes: number, chunk = CHUNK): Promise<void> {
  let left = bytes
  while (left > 0 && !res.destroyed) {
    const piece = left >= chunk.length ? chunk : chunk.subarray(0, left)
    left -= piece.length
    bytesSent += piece.length
    if (!res.write(piece)) await drainOrClose(res)
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Bytes a malformed SSE body is made of: invalid UTF-8, NULs, unterminated lines, a 256 KB line, bad JSON. */
export const MALFORMED_SSE = Buffer.concat([
  Buffer.from('data: {"not json\n\n'),
  Buffer.from([0xff, 0xfe, 0x00, 0xc0, 0xae, 0x0a]),
  Buffer.from('event: \ndata\n\nretry: nope\n:comment without end'),
  Buffer.from(`data: ${'x'.repeat(256 * 1024)}\n`),
  Buffer.from('data: {"usage":{"prompt_tokens":"NaN"}}\r\r\n\n'),
  Buffer.from('event: error\ndata: [DONE'),
])

/**
 * Query parameters understood by the fault upstream:
 * `fault=ok|reset-before|reset-mid|hang|drip|malformed|big|status`, `n` (frames), `ms` (pause between frames),
 * `size` (bytes for big), `type` (json|sse|binary for big), `code` (status for status).
 */
async function answer(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const fault = query.get('fault') ?? 'ok'
  const n = Number(query.get('n') ?? 5)
  const ms = Number(query.get('ms') ?? 10)
  const sse = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' }
  // A key with "Rejected" in it is refused the way providers refuse keys (rotation tests).
  const presented = `${req.headers.authorization ?? ''}${req.headers['x-api-key'] ?? ''}${req.headers['x-goog-api-key'] ?? ''}`
  if (presented.includes('Rejected')) {
    res.writeHead(401, { 'content-type': 'application/json' })
    res.end(
      JSON.stringify({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } }),
    )
    return
  }
  switch (fault) {
    case 'reset-before':
      req.socket.resetAndDestroy()
      return
    case 'reset-mid':
      res.writeHead(200, sse)
      res.write('data: {"choices":[{"delta":{"content":"one"}}]}\n\n')
      res.write('data: {"choices":[{"delta":{"content":"two"}}]}\n\n')
      await sleep(5)
      req.socket.resetAndDestroy()
      return
    case 'hang':
      return // never answers; the relay's headers timeout must fire
    case 'drip':
      res.writeHead(200, sse)
      res.flushHeaders()
      for (let i = 0; i < n && !res.destroyed; i++) {
        if (i > 0) await sleep(ms)
        res.write(`data: {"i":${i}}\n\n`)
      }
      res.end('data: [DONE]\n\n')
      return
    case 'malformed':
      res.writeHead(200, sse)
      res.end(MALFORMED_SSE)
      return
    case 'big': {
      const size = Number(query.get('size') ?? 1024 * 1024)
      const type = query.get('type') ?? 'binary'
      const contentType =
        type === 'json'
          ? 'application/json'
          : type === 'sse'
            ? sse['content-type']
            : 'application/octet-stream'
      res.writeHead(200, { 'content-type': contentType, 'content-length': String(size) })
      await writeRespectingBackpressure(res, size)
      res.end()
      return
    }
    case 'status': {
      const code = Number(query.get('code') ?? 500)
      const body = JSON.stringify({ error: { message: `upstream says ${code}`, type: 'server_error' } })
      res.writeHead(code, {
        'content-type': 'application/json',
        ...(code === 429 ? { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' } : {}),
      })
      res.end(body)
      return
    }
    default:
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, id: query.get('id') }))
  }
}

/** Start the fault upstream on 127.0.0.1. Idle keep-alive sockets are closed after 1 s, as providers do. */
export async function startFaultUpstream(): Promise<FaultUpstream> {
  const hits: UpstreamHit[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://upstream.invalid').searchParams
    let markClosed!: () => void
    const hit: UpstreamHit = {
      url: req.url ?? '',
      headers: req.headers,
      query,
      arrivedAt: performance.now(),
      closedAt: null,
      closed: new Promise((resolve) => {
        markClosed = resolve
      }),
    }
    hits.push(hit)
    res.once('close', () => {
      hit.closedAt = performance.now()
      markClosed()
    })
    req.resume()
    req.once('end', () => {
      answer(req, res, query).catch(() => res.destroy())
    })
  })
  server.keepAliveTimeout = 1_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    openSockets: () => sockets.size,
    bytesSent: () => bytesSent,
    async close() {
      for (const socket of sockets) socket.destroy()
      server.close()
      await once(server, 'close')
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The relay in a child process, so its memory, sockets and crashes are its own.

export interface RelayProbe {
  /** V8 heap in use after a full GC, bytes. */
  heapUsed: number
  rss: number
  /** Open file descriptors (/proc/self/fd), which include every socket. */
  fds: number
  /** Open TCP sockets among Node's active handles. */
  sockets: number
}

export interface RelayChild {
  readonly url: string
  readonly child: ChildProcess
  /** GC, then measure the relay's heap, RSS, file descriptors and sockets from inside the process. */
  probe(): Promise<RelayProbe>
  /** RSS of the child as the kernel sees it (/proc/<pid>/status), bytes. */
  rss(): number
  stop(): Promise<void>
}

/**
 * Fork `relay-process.ts` (startRelay with `env`, `--expose-gc`) and wait until it listens on 127.0.0.1.
 *
 * @example
 * const relay = await startRelayChild({ OPENAI_BASE_URL: upstream.origin })
 */
export async function startRelayChild(env: Record<string, string>): Promise<RelayChild> {
  const child = fork(fileURLToPath(new URL('./relay-process.ts', import.meta.url)), [], {
    execArgv: ['--conditions=source', '--import', TSX_LOADER, '--expose-gc'],
    env: {
      PATH: process.env.PATH ?? '',
      ENCRYPTION_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      DB_PATH: ':memory:',
      LOG_LEVEL: 'trace',
      ...NO_LIMITS,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  child.stdout!.on('data', captureLogOutput)
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('relay child did not start within 30 s')), 30_000)
    child.once('message', (m: { type: string; url: string }) => {
      clearTimeout(timer)
      resolve(m.url)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`relay child exited with ${code}`))
    })
  })
  return {
    url,
    child,
    probe() {
      child.send({ type: 'probe' })
      return new Promise((resolve) => {
        child.once('message', (m: { type: string } & RelayProbe) => resolve(m))
      })
    },
    rss: () => processRss(child.pid!),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGKILL')
      await once(child, 'exit')
    },
  }
}

export function processRss(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return kb * 1024
}

export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

export interface RelayBin {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the bin printed on stdout and stderr so far. */
  output(): string
}

/**
 * The shipped `byok-relay` bin (from source through tsx), configured only through the environment, in `cwd`.
 */
export async function startRelayBin(cwd: string, env: Record<string, string>): Promise<RelayBin> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', TSX_LOADER, '--max-old-space-size=512', RELAY_BIN],
    {
      cwd,
      env: {
        PATH: process.env.PATH ?? '',
        ENCRYPTION_SECRET,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'trace',
        ...NO_LIMITS,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk.toString()
  })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`byok-relay did not start within 30 s: ${out}`)), 30_000)
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      captureLogOutput(chunk)
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`byok-relay exited with ${code}: ${out}`))
    })
  })
  return { url, child, output: () => out }
}

// ---------------------------------------------------------------------------------------------------------------

/** Run `fn` for every item with at most `concurrency` in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
}

/** Poll `check` every 50 ms until it returns true or `ms` passes; returns the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms
  for (;;) {
    if (await check()) return true
    if (performance.now() > deadline) return false
    await sleep(50)
  }
}

/** SPEC §3.1: an error body is exactly `{ error: string, code: string, hint?: string }`. */
export function isErrorShape(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const body = value as Record<string, unknown>
  const keys = Object.keys(body).sort()
  const expected = 'hint' in body ? ['code', 'error', 'hint'] : ['code', 'error']
  return (
    JSON.stringify(keys) === JSON.stringify(expected) &&
    typeof body.error === 'string' &&
    body.error.length > 0 &&
    typeof body.code === 'string' &&
    (!('hint' in body) || typeof body.hint === 'string')
  )
}

export function expectErrorBody(text: string, code: string): void {
  const body = JSON.parse(text) as unknown
  expect(isErrorShape(body), text).toBe(true)
  expect((body as { code: string }).code).toBe(code)
}

/** Register a user and store `keys` (provider → key) through the public routes. Returns the relay token. */
export async function createUser(
  url: string,
  keys: Record<string, string>,
  appId = 'reliability',
  fetcher: typeof fetch = fetch,
): Promise<string> {
  const res = await fetcher(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_SECRET}` },
    body: JSON.stringify({ app_id: appId }),
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`POST /users: ${res.status} ${text}`)
  const { token } = JSON.parse(text) as { token: string }
  for (const [provider, key] of Object.entries(keys)) {
    const stored = await fetcher(`${url}/keys/${provider}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-relay-token': token },
      body: JSON.stringify({ key }),
    })
    const storedText = await stored.text()
    if (stored.status !== 200) throw new Error(`POST /keys/${provider}: ${stored.status} ${storedText}`)
  }
  return token
}

export const CHAT_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
  stream: true,
})
