import type { AddressInfo } from 'node:net'
import { closedPortOrigin, within } from '@byok/test-kit'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import { NO_LIMITS, startUpstream, type UpstreamServer } from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

async function setup(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; token: string }> {
  const app = await buildTestApp({ ...NO_LIMITS, OPENAI_BASE_URL: up.origin, ...env })
  const token = await registerUser(app)
  await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
  return { app, token }
}

const CHAT = '{"model":"gpt-4o-mini","stream":true}'

const chat = (app: FastifyInstance, token: string) =>
  app.inject({
    method: 'POST',
    url: '/relay/openai/v1/chat/completions',
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: CHAT,
  })

/** A real socket to the relay, for streaming: `inject()` hands the body over only once it is complete. */
async function listenAndFetch(app: FastifyInstance, token: string, signal?: AbortSignal): Promise<Response> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return fetch(`http://127.0.0.1:${port}/relay/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    body: CHAT,
    ...(signal ? { signal } : {}),
  })
}

/** Reads a body until it ends or fails; bounded by the test timeout. */
async function readAll(res: Response): Promise<{ text: string; error: unknown }> {
  const reader = res.body!.getReader()
  const chunks: Uint8Array[] = []
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return { text: Buffer.concat(chunks).toString(), error: undefined }
      chunks.push(value)
    }
  } catch (error) {
    return { text: Buffer.concat(chunks).toString(), error }
  }
}

describe('upstream failures', () => {
  it('502 upstream_unreachable when nothing listens at the base URL', async () => {
    const { app, token } = await setup({ OPENAI_BASE_URL: await closedPortOrigin() })
    const body = expectErrorShape(await chat(app, token), 502, 'upstream_unreachable')
    expect(JSON.stringify(body)).not.toContain(SAMPLE_KEYS.openai)
  })

  it('504 upstream_timeout when the upstream sends no headers within UPSTREAM_TIMEOUT_MS', async () => {
    const { app, token } = await setup({ UPSTREAM_TIMEOUT_MS: '300' })
    up.respond(() => {}) // hold the request: never answer
    const started = performance.now()
    expectErrorShape(await chat(app, token), 504, 'upstream_timeout')
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(up.requests).toHaveLength(1)
    // The relay gave up on the request rather than leaving it open upstream.
    await within(up.requests[0]!.closed, 2_000, 'upstream request closed')
  })

  it('ends an SSE stream that fails mid-way with an `event: error` frame', async () => {
    const { app, token } = await setup()
    let release!: () => void
    const clientSawFirst = new Promise<void>((resolve) => {
      release = resolve
    })
    up.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {"n":1}\n\n')
      // The second event only after the client has the first: chunks are streamed, not buffered.
      void within(clientSawFirst, 3_000, 'first event at the client')
        .then(() => {
          res.write('data: {"n":2}\n\n')
          setTimeout(() => res.socket?.destroy(), 20)
        })
        .catch(() => res.socket?.destroy())
    })
    const res = await listenAndFetch(app, token)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = res.body!.getReader()
    const first = await within(reader.read(), 3_000, 'first chunk')
    expect(Buffer.from(first.value!).toString()).toBe('data: {"n":1}\n\n')
    release()
    reader.releaseLock()
    const { text, error } = await within(readAll(res), 3_000, 'rest of the stream')
    expect(error).toBeUndefined()
    expect(text.startsWith('data: {"n":2}\n\n')).toBe(true)
    const frame = /event: error\ndata: (.*)\n\n$/.exec(text)
    expect(frame, text).not.toBeNull()
    const data = JSON.parse(frame![1]!) as Record<string, unknown>
    expect(data).toMatchObject({ code: 'upstream_unreachable', error: expect.any(String) })
    expect(Object.keys(data).every((k) => ['error', 'code', 'hint'].includes(k))).toBe(true)
  })

  it('cuts a non-SSE body that fails mid-way, without inventing an error frame', async () => {
    const { app, token } = await setup()
    up.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/mpeg' })
      res.write(Buffer.alloc(1000, 0xaa))
      setTimeout(() => res.socket?.destroy(), 50)
    })
    const res = await listenAndFetch(app, token)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('audio/mpeg')
    const { text, error } = await within(readAll(res), 3_000, 'cut body')
    expect(error).toBeDefined()
    expect(text).not.toContain('event: error')
    expect(Buffer.byteLength(text, 'latin1')).toBeLessThanOrEqual(1000 * 3)
  })

  it('aborts the upstream request promptly when the client goes away', async () => {
    const { app, token } = await setup()
    up.respond((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: {"n":1}\n\n') // and then nothing: a long generation
    })
    const controller = new AbortController()
    const res = await listenAndFetch(app, token, controller.signal)
    const reader = res.body!.getReader()
    await within(reader.read(), 3_000, 'first chunk')
    controller.abort()
    await within(up.requests[0]!.closed, 2_000, 'upstream request aborted')
  })
})
