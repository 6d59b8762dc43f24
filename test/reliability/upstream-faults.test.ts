import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_SECRET,
  CHAT_BODY,
  createUser,
  expectErrorBody,
  type FaultUpstream,
  MALFORMED_SSE,
  pool,
  type RelayChild,
  scaled,
  startFaultUpstream,
  startRelayChild,
  waitFor,
} from './support.js'

const TIMEOUT_MS = 500
const FAULTY_REQUESTS = scaled(2_000, 20_000)
const MB = 1024 * 1024

interface Outcome {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  /** The client saw the body cut (no proper end). */
  cut: boolean
  ms: number
}

describe('upstream faults against a listening relay (SPEC §3.4)', () => {
  let upstream: FaultUpstream
  let relay: RelayChild
  let token: string
  let client: Agent

  async function call(query: string, dispatcher: Agent = client): Promise<Outcome> {
    const started = performance.now()
    const res = await request(`${relay.url}/relay/openai/v1/chat/completions?${query}`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/json', 'x-relay-token': token },
      body: CHAT_BODY,
    })
    const parts: Buffer[] = []
    let cut = false
    try {
      for await (const chunk of res.body) parts.push(chunk as Buffer)
    } catch {
      cut = true
    }
    return {
      status: res.statusCode,
      headers: res.headers,
      body: Buffer.concat(parts),
      cut,
      ms: performance.now() - started,
    }
  }

  beforeAll(async () => {
    upstream = await startFaultUpstream()
    relay = await startRelayChild({
      OPENAI_BASE_URL: upstream.origin,
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      APP_SECRET,
    })
    client = new Agent({ connections: 64 })
    token = await createUser(relay.url, { openai: 'sk-proj-ReliabilityFaults0123456789' })
  })

  afterAll(async () => {
    await client?.destroy()
    await relay?.stop()
    await upstream?.close()
  })

  it('gives each fault its documented outcome', async () => {
    const before = await call('fault=reset-before')
    expect(before.status).toBe(502)
    expectErrorBody(before.body.toString(), 'upstream_unreachable')

    const mid = await call('fault=reset-mid')
    expect(mid.status).toBe(200)
    const midText = mid.body.toString()
    expect(midText).toMatch(/^data: \{"choices".*"one"[\s\S]*"two"/)
    expect(midText).toMatch(/event: error\ndata: \{"error":"[^"]+","code":"upstream_unreachable"/)

    const hang = await call('fault=hang')
    expect(hang.status).toBe(504)
    expectErrorBody(hang.body.toString(), 'upstream_timeout')
    expect(hang.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 50)
    expect(hang.ms).toBeLessThan(TIMEOUT_MS + 1_500)

    const drip = await call('fault=drip&n=20&ms=25')
    expect(drip.status).toBe(200)
    const frames = drip.body.toString().split('\n\n').filter(Boolean)
    expect(frames).toEqual([...Array.from({ length: 20 }, (_, i) => `data: {"i":${i}}`), 'data: [DONE]'])
    expect(drip.ms).toBeGreaterThanOrEqual(19 * 25)

    const malformed = await call('fault=malformed')
    expect(malformed.status).toBe(200)
    expect(malformed.body.equals(MALFORMED_SSE)).toBe(true)

    for (const type of ['json', 'binary', 'sse']) {
      const big = await call(`fault=big&type=${type}&size=${16 * MB}`)
      expect(big.status).toBe(200)
      expect(big.cut).toBe(false)
      expect(big.body.length).toBe(16 * MB)
    }

    for (const code of [429, 500, 502, 503]) {
      const res = await call(`fault=status&code=${code}`)
      expect(res.status).toBe(code)
      expect(JSON.parse(res.body.toString())).toEqual({
        error: { message: `upstream says ${code}`, type: 'server_error' },
      })
      if (code === 429) expect(res.headers['retry-after']).toBe('7')
    }
    console.log(
      `[reliability] upstream faults: reset-before → 502, reset-mid → 200 + event:error, hang → 504 after ${Math.round(hang.ms)} ms (timeout ${TIMEOUT_MS} ms), drip 20×25 ms intact, malformed SSE byte-identical, 16 MB json/binary/sse intact, 429/5xx relayed`,
    )
  })

  it(`survives ${FAULTY_REQUESTS} faulty requests with healthy traffic unaffected, and returns to its baseline`, async () => {
    // Warm up every path once so lazily created state (pools, compiled code) is in the baseline.
    for (const q of ['fault=ok', 'fault=reset-before', 'fault=reset-mid', 'fault=drip&n=3&ms=1'])
      await call(q)
    await client.close()
    client = new Agent({ connections: 64 })
    await waitFor(() => upstream.openSockets() === 0, 5_000)
    const baseline = await relay.probe()

    const faults = [
      'fault=reset-before',
      'fault=reset-mid',
      'fault=drip&n=3&ms=5',
      'fault=malformed',
      `fault=big&type=binary&size=${256 * 1024}`,
      'fault=status&code=429',
      'fault=status&code=500',
      'fault=status&code=503',
    ]
    const plan = Array.from({ length: FAULTY_REQUESTS }, (_, i) =>
      // One in 40 hangs until the 504: those hold a connection for TIMEOUT_MS each.
      i % 40 === 0 ? 'fault=hang' : faults[i % faults.length]!,
    )
    const statuses = new Map<number, number>()
    let stop = false
    let healthy = 0
    const healthyFailures: string[] = []
    const healthyClient = new Agent({ connections: 8 })
    const healthyLoop = async () => {
      while (!stop) {
        const res = await call('fault=drip&n=5&ms=2', healthyClient)
        const text = res.body.toString()
        if (
          res.status !== 200 ||
          res.cut ||
          !text.endsWith('data: [DONE]\n\n') ||
          text.includes('event: error')
        ) {
          healthyFailures.push(`${res.status} ${text.slice(0, 200)}`)
        }
        healthy += 1
      }
    }
    const started = performance.now()
    const healthyRuns = Promise.all(Array.from({ length: 4 }, healthyLoop))
    await pool(plan, 32, async (q) => {
      const res = await call(q)
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
    })
    stop = true
    await healthyRuns
    const elapsed = performance.now() - started
    expect(healthyFailures).toEqual([])
    expect(statuses.get(504)).toBe(Math.ceil(FAULTY_REQUESTS / 40))

    await client.close()
    await healthyClient.close()
    client = new Agent({ connections: 64 })
    // Upstream keep-alive sockets close after 1 s idle; give the relay a moment to see every FIN.
    let after = await relay.probe()
    await waitFor(async () => {
      after = await relay.probe()
      return after.fds <= baseline.fds + 2 && after.heapUsed <= baseline.heapUsed + 8 * MB
    }, 10_000)
    const heapDeltaMb = (after.heapUsed - baseline.heapUsed) / MB
    console.log(
      `[reliability] ${FAULTY_REQUESTS} faulty requests in ${Math.round(elapsed)} ms (${[...statuses].map(([s, c]) => `${s}×${c}`).join(', ')}), ${healthy} concurrent healthy streams all intact; relay fds ${baseline.fds} → ${after.fds}, sockets ${baseline.sockets} → ${after.sockets}, heap after GC ${(baseline.heapUsed / MB).toFixed(1)} → ${(after.heapUsed / MB).toFixed(1)} MB (Δ ${heapDeltaMb.toFixed(2)} MB)`,
    )
    expect(after.fds).toBeLessThanOrEqual(baseline.fds + 2)
    expect(after.sockets).toBeLessThanOrEqual(baseline.sockets + 2)
    expect(heapDeltaMb).toBeLessThan(8)
  })
})
