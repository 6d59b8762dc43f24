import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp } from './helpers.js'
import { NO_LIMITS } from './upstream-server.js'

// Issue 17 item 6: a body dribbled one byte every few seconds held its socket for Node's 120 s request timeout,
// one client could hold hundreds of those, and Node/Fastify's own answers (408, the 400 for Transfer-Encoding
// with Content-Length) came back as { error, message, statusCode } instead of the catalogue's shape.

async function listening(env: Record<string, string>): Promise<{ app: FastifyInstance; port: number }> {
  const app = await buildTestApp({ ...NO_LIMITS, ...env })
  await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, port: (app.server.address() as { port: number }).port }
}

interface RawClient {
  socket: Socket
  /** Everything the server sent so far. */
  received(): string
  /** Resolves when the server has closed the connection (bounded by `ms`). */
  closed(ms: number): Promise<boolean>
}

async function open(port: number): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port })
  onTestFinished(() => {
    socket.destroy()
  })
  let text = ''
  let isClosed = false
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
  })
  socket.on('error', () => {})
  socket.on('close', () => {
    isClosed = true
  })
  await once(socket, 'connect')
  return {
    socket,
    received: () => text,
    async closed(ms) {
      const until = Date.now() + ms
      while (!isClosed && Date.now() < until) await sleep(20)
      return isClosed
    },
  }
}

/** Parses a raw HTTP/1.1 answer: status line and the JSON body, checked for exactly { error, code, hint? }. */
function contractAnswer(raw: string): {
  status: number
  body: { error: string; code: string; hint?: string }
} {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1])
  const [, body = ''] = raw.split('\r\n\r\n')
  const parsed = JSON.parse(body) as Record<string, unknown>
  expect(Object.keys(parsed).sort()).toEqual('hint' in parsed ? ['code', 'error', 'hint'] : ['code', 'error'])
  expect(raw.toLowerCase()).toContain('content-type: application/json')
  return { status, body: parsed as { error: string; code: string; hint?: string } }
}

const POST_HEAD = (length: number) =>
  `POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`

describe('slow request bodies', () => {
  it('answers 408 request_timeout and closes the socket when a body dribbles in below the minimum rate', async () => {
    const { port } = await listening({
      REQUEST_BODY_TIMEOUT_MS: '300',
      REQUEST_BODY_MIN_BYTES_PER_SEC: '1024',
    })
    const client = await open(port)
    client.socket.write(POST_HEAD(100))
    const startedAt = Date.now()
    // One byte every 100 ms: never idle, far below 1 KiB/s. Bounded: 40 bytes at most.
    for (let i = 0; i < 40 && !client.socket.destroyed && client.received() === ''; i++) {
      client.socket.write('{')
      await sleep(100)
    }
    expect(await client.closed(2_000)).toBe(true)
    expect(Date.now() - startedAt).toBeLessThan(3_000)
    const { status, body } = contractAnswer(client.received())
    expect(status).toBe(408)
    expect(body.code).toBe('request_timeout')
  })

  it('lets a body that keeps up with the minimum rate through, however many windows it spans', async () => {
    const { port } = await listening({
      REQUEST_BODY_TIMEOUT_MS: '200',
      REQUEST_BODY_MIN_BYTES_PER_SEC: '1024',
    })
    const client = await open(port)
    const payload = JSON.stringify({ app_id: 'a'.repeat(150), pad: 'x'.repeat(4000) })
    client.socket.write(POST_HEAD(Buffer.byteLength(payload)))
    // ~500 bytes every 50 ms (10 KiB/s) for ~400 ms: two full windows.
    for (let i = 0; i < payload.length; i += 500) {
      client.socket.write(payload.slice(i, i + 500))
      await sleep(50)
    }
    const until = Date.now() + 2_000
    while (!client.received().includes('\r\n\r\n') && Date.now() < until) await sleep(20)
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/)
  })

  it('is off with REQUEST_BODY_TIMEOUT_MS=0', async () => {
    const { port } = await listening({ REQUEST_BODY_TIMEOUT_MS: '0' })
    const client = await open(port)
    client.socket.write(POST_HEAD(100))
    for (let i = 0; i < 6; i++) {
      client.socket.write('{')
      await sleep(100)
    }
    expect(client.received()).toBe('')
    expect(client.socket.destroyed).toBe(false)
  })
})

describe('open connections per client address', () => {
  it('answers 429 rate_limited and closes a socket past MAX_CONNECTIONS_PER_IP, and admits again once one closes', async () => {
    const { port } = await listening({ MAX_CONNECTIONS_PER_IP: '3' })
    const held = [await open(port), await open(port), await open(port)]
    const extra = await open(port)
    expect(await extra.closed(2_000)).toBe(true)
    const { status, body } = contractAnswer(extra.received())
    expect(status).toBe(429)
    expect(body.code).toBe('rate_limited')
    for (const c of held) expect(c.socket.destroyed).toBe(false)

    held[0]!.socket.destroy()
    await sleep(100)
    const again = await open(port)
    again.socket.write('GET /version HTTP/1.1\r\nHost: x\r\n\r\n')
    const until = Date.now() + 2_000
    while (!again.received().includes('\r\n\r\n') && Date.now() < until) await sleep(20)
    expect(again.received()).toMatch(/^HTTP\/1\.1 200/)
  })
})

describe('closing', () => {
  // Clients open connections ahead of need (browsers preconnect; Node 20's fetch reconnects after an abort), and
  // Node's closeIdleConnections() leaves a connection that never sent a byte open: closing waited for the client.
  it('closes connections that never sent a byte, and lets a request in progress finish', async () => {
    const envs: Record<string, string>[] = [{}, { REQUEST_BODY_TIMEOUT_MS: '0' }]
    for (const env of envs) {
      const { app, port } = await listening(env)
      const unused = await open(port)
      const busy = await open(port)
      // A request whose body is still arriving when the relay starts closing.
      busy.socket.write(
        'POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{"app_id":',
      )
      await sleep(50)
      const closed = app.close()
      expect(await unused.closed(2_000)).toBe(true)
      busy.socket.write('"closing"}')
      const until = Date.now() + 2_000
      while (!busy.received().includes('\r\n\r\n') && Date.now() < until) await sleep(20)
      expect(busy.received()).toMatch(/^HTTP\/1\.1 200 /)
      busy.socket.destroy()
      await closed
    }
  }, 15_000)
})

describe("Node's own client errors", () => {
  it('answers Transfer-Encoding with Content-Length as 400 validation_error in the contract shape', async () => {
    const { port } = await listening({})
    const client = await open(port)
    client.socket.write(
      'POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    )
    expect(await client.closed(2_000)).toBe(true)
    const { status, body } = contractAnswer(client.received())
    expect(status).toBe(400)
    expect(body.code).toBe('validation_error')
  })

  it('answers oversized headers as 431 headers_too_large in the contract shape', async () => {
    const { port } = await listening({})
    const client = await open(port)
    client.socket.write(`GET /version HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)
    expect(await client.closed(2_000)).toBe(true)
    const { status, body } = contractAnswer(client.received())
    expect(status).toBe(431)
    expect(body.code).toBe('headers_too_large')
  })
})
