import { type MockExchange, sentBody } from '@byok/relay/mock-providers'
import { within } from '@byok/test-kit'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type RelayHarness, startRelayHarness } from './harness.js'

interface Received {
  readonly at: number
  readonly bytes: Uint8Array
}

/** Read a response body to the end, timing each chunk as it arrives (at most `maxReads` reads). */
async function readTimed(response: Response, maxReads = 10_000): Promise<Received[]> {
  const reader = response.body!.getReader()
  const received: Received[] = []
  for (let i = 0; i < maxReads; i++) {
    const { done, value } = await reader.read()
    if (done) return received
    received.push({ at: performance.now(), bytes: value })
  }
  throw new Error(`body still streaming after ${maxReads} reads`)
}

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

const STREAMS = [
  {
    name: 'OpenAI chat completions',
    provider: 'openai',
    path: '/relay/openai/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [], stream: true, stream_options: { include_usage: true } },
    contentType: 'text/event-stream; charset=utf-8',
  },
  {
    name: 'OpenAI Responses',
    provider: 'openai',
    path: '/relay/openai/v1/responses',
    body: { model: 'gpt-4.1-mini', input: 'hi', stream: true },
    contentType: 'text/event-stream; charset=utf-8',
  },
  {
    name: 'Anthropic messages',
    provider: 'anthropic',
    path: '/relay/anthropic/v1/messages',
    body: { model: 'claude-haiku-4-5', max_tokens: 64, messages: [], stream: true },
    contentType: 'text/event-stream; charset=utf-8',
  },
  {
    name: 'Gemini streamGenerateContent (SSE)',
    provider: 'google',
    path: '/relay/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [] },
    contentType: 'text/event-stream',
  },
  {
    name: 'Gemini streamGenerateContent (JSON array)',
    provider: 'google',
    path: '/relay/google/v1beta/models/gemini-2.5-flash:streamGenerateContent',
    body: { contents: [] },
    contentType: 'application/json; charset=UTF-8',
  },
] as const

describe('streaming through the relay (SPEC §3.4)', () => {
  let h: RelayHarness
  beforeAll(async () => {
    h = await startRelayHarness()
  })
  afterAll(() => h?.close())
  afterEach(() => {
    for (const mock of Object.values(h.mocks))
      Object.assign(mock.settings, { chunks: 3, delayMs: 0, cutAfter: undefined, onClose: undefined })
  })

  it.each(STREAMS)('$name: the client receives exactly the bytes the provider sent', async (s) => {
    const mock = h.mocks[s.provider]
    mock.settings.chunks = 7
    mock.settings.delayMs = 5
    const response = await h.fetch(s.path, json(s.body))
    expect(response.status).toBe(200)
    const received = Buffer.concat((await readTimed(response)).map((r) => r.bytes))
    const exchange = mock.exchanges.at(-1)!
    expect(exchange.response.completed).toBe(true)
    expect(received.equals(sentBody(exchange))).toBe(true)
    expect(response.headers.get('content-type')).toBe(s.contentType)
    // And the other direction: the request body reached the provider byte for byte.
    expect(exchange.request.body.toString('utf8')).toBe(JSON.stringify(s.body))
  })

  it('SSE chunks reach the client as the provider sends them, byte-exact (6 chunks, 200 ms apart)', async () => {
    const mock = h.mocks.google
    mock.settings.chunks = 6
    mock.settings.delayMs = 200
    const response = await h.fetch(
      '/relay/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
      json({ contents: [{ role: 'user', parts: [{ text: 'count to six' }] }] }),
    )
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const received = await readTimed(response)
    const exchange = mock.exchanges.at(-1)!
    const writes = exchange.response.writes
    expect(writes).toHaveLength(6)

    const firstReceived = received[0]!.at
    const lastSent = writes.at(-1)!.at
    console.log(
      `[streaming] first chunk received ${(firstReceived - writes[0]!.at).toFixed(1)} ms after the mock sent it; ` +
        `${(lastSent - firstReceived).toFixed(1)} ms before the mock sent its last chunk`,
    )
    expect(firstReceived).toBeLessThan(lastSent)

    // Stronger: every chunk arrived before the next one was even sent (nothing was held back).
    let cumulative = 0
    let sentSoFar = 0
    let r = 0
    for (const [i, write] of writes.entries()) {
      sentSoFar += write.bytes.length
      while (cumulative < sentSoFar && r < received.length) cumulative += received[r++]!.bytes.length
      expect(cumulative).toBeGreaterThanOrEqual(sentSoFar)
      const next = writes[i + 1]
      if (next)
        expect(received[r - 1]!.at, `chunk ${i} arrived after chunk ${i + 1} was sent`).toBeLessThan(next.at)
    }
    expect(Buffer.concat(received.map((c) => c.bytes)).equals(sentBody(exchange))).toBe(true)
  })

  it('a provider failing mid-stream: what it sent arrives untouched, then an event: error frame', async () => {
    const mock = h.mocks.anthropic
    mock.settings.chunks = 10
    mock.settings.cutAfter = 5
    const response = await h.fetch(
      '/relay/anthropic/v1/messages',
      json({ model: 'claude-haiku-4-5', max_tokens: 64, messages: [], stream: true }),
    )
    expect(response.status).toBe(200)
    const received = Buffer.concat((await readTimed(response)).map((r) => r.bytes))
    const exchange = mock.exchanges.at(-1)!
    expect(exchange.response.completed).toBe(false)
    const sent = sentBody(exchange)
    expect(exchange.response.writes).toHaveLength(5)
    expect(received.subarray(0, sent.length).equals(sent)).toBe(true)
    const tail = /^event: error\ndata: (.+)\n\n$/.exec(received.subarray(sent.length).toString('utf8'))
    expect(tail, received.subarray(sent.length).toString('utf8')).not.toBeNull()
    expect(JSON.parse(tail![1]!)).toMatchObject({ code: 'upstream_unreachable' })
  })

  it('a client abort closes the upstream request within 1 s', async () => {
    const mock = h.mocks.openai
    mock.settings.chunks = 100
    mock.settings.delayMs = 100
    const upstreamClosed = new Promise<number>((resolve) => {
      mock.settings.onClose = () => resolve(performance.now())
    })
    const controller = new AbortController()
    const response = await h.fetch('/relay/openai/v1/chat/completions', {
      ...json({ model: 'gpt-4o-mini', messages: [], stream: true }),
      signal: controller.signal,
    })
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)
    const exchange: MockExchange = mock.exchanges.at(-1)!
    expect(exchange.response.closedAt).toBeNull()

    const abortedAt = performance.now()
    controller.abort()
    await reader.read().catch(() => {})
    const latency = (await within(upstreamClosed, 5_000, 'upstream close after the client abort')) - abortedAt
    console.log(
      `[streaming] client abort → upstream connection closed in ${latency.toFixed(1)} ms ` +
        `(mock had sent ${exchange.response.writes.length} of 103 frames)`,
    )
    expect(exchange.response.completed).toBe(false)
    expect(latency).toBeLessThan(1_000)
    expect(exchange.response.writes.length).toBeLessThan(20)
  })
})
