// Two relay processes on loopback behind no balancer, sharing one store (a SQLite file in WAL mode, or Postgres) and
// one Redis: what one instance stores, revokes or counts, the other sees at once; a killed instance loses no
// acknowledged write.

import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestDatabase } from '@byok/test-kit/postgres'
import { redisMissing, useRedisServer } from '@byok/test-kit/redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import {
  CHAT_BODY,
  createUser,
  type FaultUpstream,
  type RelayChild,
  startFaultUpstream,
} from '../reliability/support.js'
import { type SharedStore, startInstances } from './instances.js'

const OPENAI_KEY = `sk-proj-${'s'.repeat(40)}`
const RELAY_LIMIT = 10
const APP_ORIGIN = 'https://app.example'

const redis = useRedisServer()
let upstream: FaultUpstream
let dir: string

beforeAll(async () => {
  if (redisMissing) return
  dir = await mkdtemp(join(tmpdir(), 'byok-scale-'))
  upstream = await startFaultUpstream()
})

afterAll(async () => {
  await upstream?.close()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The two shared stores a deployment can use: one SQLite file (WAL) on one machine, or Postgres. */
const STORES: readonly { name: string; store: () => Promise<SharedStore> }[] = [
  { name: 'one SQLite file', store: async () => ({ sqlitePath: join(dir, 'relay.db') }) },
  {
    name: 'one Postgres database',
    store: async () => ({ databaseUrl: await createTestDatabase(inject('postgresUrl')) }),
  },
]

const chat = (url: string, token: string) =>
  fetch(`${url}/relay/openai/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: CHAT_BODY,
  })

const listKeys = (url: string, token: string) => fetch(`${url}/keys`, { headers: { 'x-relay-token': token } })

describe.each(STORES)('two relay instances, $name, one Redis', ({ store }) => {
  let a: RelayChild
  let b: RelayChild

  beforeAll(async () => {
    if (redisMissing) return
    ;[a, b] = (await startInstances(2, {
      store: await store(),
      redisUrl: redis().url,
      env: {
        OPENAI_BASE_URL: upstream.origin,
        APP_SECRET: 'reliability-app-secret-0123456789',
        RATE_LIMIT_RELAY_PER_MIN: String(RELAY_LIMIT),
        ALLOWED_ORIGINS: APP_ORIGIN,
      },
    })) as [RelayChild, RelayChild]
  })

  afterAll(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()])
  })

  it('uses through B a key stored through A', async () => {
    const token = await createUser(a.url, { openai: OPENAI_KEY }, 'scale')
    const before = upstream.hits.length
    const res = await chat(b.url, token)
    await res.text()
    expect(res.status).toBe(200)
    expect(upstream.hits[before]?.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`)
  })

  it('refuses on B a token revoked through A within 100 ms', async () => {
    const token = await createUser(a.url, {}, 'scale')
    // B has read (and cached) the token row.
    expect((await listKeys(b.url, token)).status).toBe(200)
    const revoke = await fetch(`${a.url}/tokens/revoke`, {
      method: 'POST',
      headers: { 'x-relay-token': token },
    })
    expect(revoke.status).toBeLessThan(300)
    const acknowledged = performance.now()
    // Ask B until it refuses (bounded: 200 tries); `sentAfter` is when the refused request left, so B's own
    // response time under load does not count as propagation.
    let status = 0
    let sentAfter = 0
    let tries = 0
    for (; tries < 200 && status !== 401; tries++) {
      sentAfter = performance.now() - acknowledged
      status = (await listKeys(b.url, token)).status
    }
    const refusedAfter = performance.now() - acknowledged
    console.log(
      `[scale] revocation through A: B's request sent ${sentAfter.toFixed(1)} ms after A acknowledged was refused ` +
        `(answer at ${refusedAfter.toFixed(1)} ms, try ${tries})`,
    )
    expect(status).toBe(401)
    expect(sentAfter).toBeLessThan(100)
  })

  it('counts a token’s relay limit exactly across both instances', async () => {
    const token = await createUser(a.url, { openai: OPENAI_KEY }, 'scale')
    const before = upstream.hits.length
    const answers = await Promise.all(
      Array.from({ length: 3 * RELAY_LIMIT }, async (_, i) => {
        const res = await chat(i % 2 ? a.url : b.url, token)
        await res.text()
        return res.status
      }),
    )
    expect(answers.filter((s) => s === 200)).toHaveLength(RELAY_LIMIT)
    expect(answers.filter((s) => s === 429)).toHaveLength(2 * RELAY_LIMIT)
    expect(upstream.hits.length - before).toBe(RELAY_LIMIT)
  })

  it('exchanges a connect code issued by A exactly once, whichever instance the exchanges reach', async () => {
    const token = await createUser(a.url, { openai: OPENAI_KEY }, 'scale')
    const verifier = `scale-verifier-${'v'.repeat(40)}`
    const redirectUri = `${APP_ORIGIN}/byok/callback`
    const issued = await fetch(`${a.url}/connect/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-relay-token': token },
      body: JSON.stringify({
        provider: 'openai',
        redirect_uri: redirectUri,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      }),
    })
    expect(issued.status).toBe(200)
    const { code } = (await issued.json()) as { code: string }
    const exchange = (url: string) =>
      fetch(`${url}/connect/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code, code_verifier: verifier, redirect_uri: redirectUri }),
      })
    const answers = await Promise.all([exchange(b.url), exchange(a.url), exchange(b.url)])
    const bodies = await Promise.all(
      answers.map((r) => r.json() as Promise<{ token?: string; code?: string }>),
    )
    expect(answers.map((r) => r.status).sort()).toEqual([200, 400, 400])
    expect(bodies.filter((body) => body.code === 'connect_code_invalid')).toHaveLength(2)
    const minted = bodies.find((body) => body.token)!.token!
    const keys = await fetch(`${b.url}/keys`, { headers: { 'x-relay-token': minted, origin: APP_ORIGIN } })
    expect(await keys.json()).toMatchObject({ providers: ['openai'] })
  })

  it('loses no acknowledged write when an instance is killed with SIGKILL mid-load', async () => {
    const acknowledged: string[] = []
    let stop = false
    const writer = async () => {
      // Bounded: at most 200 registrations per writer, and the kill ends it sooner.
      for (let i = 0; i < 200 && !stop; i++) {
        try {
          acknowledged.push(await createUser(a.url, {}, 'scale-kill'))
        } catch {
          return // the instance is gone: whatever it did not acknowledge is not promised
        }
      }
    }
    const writers = Array.from({ length: 4 }, writer)
    for (let i = 0; i < 200 && acknowledged.length < 20; i++) await new Promise((r) => setTimeout(r, 10))
    await a.stop() // SIGKILL
    stop = true
    await Promise.all(writers)
    console.log(`[scale] SIGKILL after ${acknowledged.length} acknowledged registrations; all checked on B`)
    expect(acknowledged.length).toBeGreaterThanOrEqual(20)
    for (const token of acknowledged) expect((await listKeys(b.url, token)).status).toBe(200)
  })
})
