import { once } from 'node:events'
import { mkdtemp, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_SECRET,
  CHAT_BODY,
  createUser,
  type FaultUpstream,
  type RelayBin,
  scaled,
  startFaultUpstream,
  startRelayBin,
} from './support.js'

const ROUNDS = scaled(3, 20)
const CLIENTS = 8

/** Provider → how the upstream sees the key, and where the relay forwards a call. */
const PROVIDERS = {
  openai: {
    key: (c: number, n: number) => `sk-proj-crash${c}x${n}`.padEnd(32, '0'),
    seen: (h: FaultUpstream['hits'][number]) => String(h.headers.authorization).replace(/^Bearer /, ''),
    path: '/relay/openai/v1/chat/completions',
  },
  anthropic: {
    key: (c: number, n: number) => `sk-ant-api03-crash${c}x${n}`.padEnd(40, '0'),
    seen: (h: FaultUpstream['hits'][number]) => String(h.headers['x-api-key']),
    path: '/relay/anthropic/v1/messages',
  },
} as const
type Provider = keyof typeof PROVIDERS

interface KeyState {
  /** The value of the last write that got a 200. */
  acked: string | undefined
  /** A write that was sent but not answered when the relay died: it may or may not have committed. */
  inflight: string | undefined
}

describe('crash durability and graceful shutdown (the byok-relay bin)', () => {
  let upstream: FaultUpstream
  let dir: string

  beforeAll(async () => {
    upstream = await startFaultUpstream()
    dir = await mkdtemp(join(tmpdir(), 'byok-reliability-'))
  })
  afterAll(async () => {
    await upstream?.close()
    await rm(dir, { recursive: true, force: true })
  })

  const env = () => ({
    DB_PATH: join(dir, 'relay.db'),
    APP_SECRET,
    OPENAI_BASE_URL: upstream.origin,
    ANTHROPIC_BASE_URL: upstream.origin,
  })

  it(`keeps every acknowledged key write across ${ROUNDS} kill -9 crashes under 8 writing clients`, async () => {
    let relay: RelayBin = await startRelayBin(dir, env())
    const tokens: string[] = []
    for (let c = 0; c < CLIENTS; c++) tokens.push(await createUser(relay.url, {}, `crash-${c}`))
    const state = new Map<string, KeyState>()
    let acknowledged = 0
    let checked = 0
    let seq = 0
    for (let round = 0; round < ROUNDS; round++) {
      const client = new Agent({ connections: CLIENTS })
      let dead = false
      const writer = async (c: number) => {
        while (!dead) {
          const provider: Provider = seq % 2 === 0 ? 'openai' : 'anthropic'
          const n = seq++
          const key = PROVIDERS[provider].key(c, n)
          const slot = `${c}/${provider}`
          const s = state.get(slot) ?? { acked: undefined, inflight: undefined }
          state.set(slot, s)
          // Rotation once a key exists (the upstream's verify request answers 200), a plain store otherwise.
          const rotate = s.acked !== undefined && n % 3 !== 0
          s.inflight = key
          try {
            const res = await request(`${relay.url}/keys/${provider}${rotate ? '/rotate' : ''}`, {
              method: 'POST',
              dispatcher: client,
              headers: { 'content-type': 'application/json', 'x-relay-token': tokens[c]! },
              body: JSON.stringify({ key }),
            })
            const text = await res.body.text()
            if (res.statusCode !== 200) throw new Error(`${res.statusCode} ${text}`)
            s.acked = key
            s.inflight = undefined
            acknowledged += 1
          } catch (error) {
            if (!dead) throw error
            return // the relay died under this write: `inflight` stays as it may have committed
          }
        }
      }
      const writers = Array.from({ length: CLIENTS }, (_, c) => writer(c))
      await sleep(300 + Math.floor(Math.random() * 500))
      dead = true
      // Listen before killing: the child may be gone before the writers have all noticed.
      const exited = once(relay.child, 'exit')
      relay.child.kill('SIGKILL')
      await Promise.all(writers)
      await client.destroy()
      await exited

      relay = await startRelayBin(dir, env())
      for (const [slot, s] of state) {
        if (s.acked === undefined && s.inflight === undefined) continue
        const [c, provider] = slot.split('/') as [string, Provider]
        const id = `crash-${round}-${slot}`
        const res = await fetch(`${relay.url}${PROVIDERS[provider].path}?id=${id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-relay-token': tokens[Number(c)]! },
          body: CHAT_BODY,
        })
        const text = await res.text()
        // A slot whose only write was in flight at the kill was never acknowledged: it may not have committed.
        if (s.acked === undefined && res.status === 400 && text.includes('"key_missing"')) {
          s.inflight = undefined
          continue
        }
        expect(res.status, text).toBe(200)
        const hit = upstream.hits.find((h) => h.query.get('id') === id)!
        const seen = PROVIDERS[provider].seen(hit)
        // The acknowledged value, unless the write in flight at the crash committed before the kill.
        expect([s.acked, s.inflight]).toContain(seen)
        s.acked = seen
        s.inflight = undefined
        checked += 1
      }
    }
    relay.child.kill('SIGKILL')
    console.log(
      `[reliability] crash durability: ${ROUNDS} kill -9 rounds, ${acknowledged} acknowledged store/rotate writes by ${CLIENTS} clients, ${checked} keys checked after restart by a relayed call: all present with the last acknowledged value`,
    )
    expect(checked).toBeGreaterThanOrEqual(CLIENTS)
  })

  it('SIGTERM lets open streams finish, refuses new connections and exits 0', async () => {
    const relay = await startRelayBin(dir, env())
    const token = await createUser(relay.url, { openai: 'sk-proj-ReliabilitySigterm0123456789' })
    const port = Number(new URL(relay.url).port)
    const streams = Array.from({ length: 4 }, async (_, i) => {
      const res = await fetch(
        `${relay.url}/relay/openai/v1/chat/completions?fault=drip&n=30&ms=50&id=term${i}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-relay-token': token },
          body: CHAT_BODY,
        },
      )
      return { status: res.status, text: await res.text() }
    })
    await sleep(400)
    const termAt = performance.now()
    const exited = once(relay.child, 'exit') as Promise<[number | null, string | null]>
    relay.child.kill('SIGTERM')
    await sleep(150)
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
    })
    const results = await Promise.all(streams)
    const [code] = await exited
    const shutdownMs = performance.now() - termAt
    console.log(
      `[reliability] SIGTERM with 4 open streams: all finished intact, new connection ${refused}, exit code ${code} after ${Math.round(shutdownMs)} ms (grace 10 s)`,
    )
    for (const { status, text } of results) {
      expect(status).toBe(200)
      expect(text.split('\n\n').filter(Boolean)).toHaveLength(31)
      expect(text.endsWith('data: [DONE]\n\n')).toBe(true)
    }
    expect(refused).toBe('ECONNREFUSED')
    expect(code).toBe(0)
    expect(shutdownMs).toBeLessThan(10_000)
  })
})
