import { randomBytes } from 'node:crypto'
import { buildApp, loadConfig } from '@byok/relay'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logSink, noteSecret } from '../log-scan.js'
import {
  APP_SECRET,
  createUser,
  ENCRYPTION_SECRET,
  type FaultUpstream,
  NO_LIMITS,
  pool,
  scaled,
  startFaultUpstream,
} from './support.js'

type FastifyInstance = Awaited<ReturnType<typeof buildApp>>

const USERS = 50
const CALLS = scaled(2_000, 20_000)

const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n)

/** Per provider: a fresh key in its format, the relayed path, and the header the upstream finds the key in. */
const PROVIDERS = {
  openai: {
    key: () => `sk-proj-${alnum(32)}`,
    path: '/relay/openai/v1/chat/completions',
    header: 'authorization',
    prefix: 'Bearer ',
  },
  anthropic: {
    key: () => `sk-ant-api03-${alnum(32)}`,
    path: '/relay/anthropic/v1/messages',
    header: 'x-api-key',
    prefix: '',
  },
  google: {
    key: () => `AIza${alnum(35)}`,
    path: '/relay/google/v1beta/models/gemini-2.5-flash:generateContent',
    header: 'x-goog-api-key',
    prefix: '',
  },
  groq: {
    key: () => `gsk_${alnum(32)}`,
    path: '/relay/groq/openai/v1/chat/completions',
    header: 'authorization',
    prefix: 'Bearer ',
  },
  mistral: {
    key: () => alnum(32),
    path: '/relay/mistral/v1/chat/completions',
    header: 'authorization',
    prefix: 'Bearer ',
  },
} as const
type Provider = keyof typeof PROVIDERS
const PROVIDER_IDS = Object.keys(PROVIDERS) as Provider[]

/** The relay token goes in every header an SDK might put it in (SPEC §3.2). */
const TOKEN_HEADERS = [
  (t: string) => ({ 'x-relay-token': t }),
  (t: string) => ({ authorization: `Bearer ${t}` }),
  (t: string) => ({ 'x-api-key': t }),
  (t: string) => ({ 'x-goog-api-key': t }),
]

describe('tenant isolation', () => {
  let upstream: FaultUpstream
  let app: FastifyInstance
  let url: string
  const users: { token: string; keys: Record<Provider, string> }[] = []

  beforeAll(async () => {
    upstream = await startFaultUpstream()
    app = await buildApp(
      loadConfig({
        ENCRYPTION_SECRET,
        APP_SECRET,
        DB_PATH: ':memory:',
        LOG_LEVEL: 'trace',
        ...NO_LIMITS,
        ...Object.fromEntries(PROVIDER_IDS.map((id) => [`${id.toUpperCase()}_BASE_URL`, upstream.origin])),
      }),
      { logSink },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    for (let u = 0; u < USERS; u++) {
      const keys = Object.fromEntries(PROVIDER_IDS.map((p) => [p, PROVIDERS[p].key()])) as Record<
        Provider,
        string
      >
      // Some of these key formats have no recognisable shape: register them for the log scan.
      for (const p of PROVIDER_IDS) noteSecret(`user ${u}'s ${p} key`, keys[p])
      users.push({ token: await createUser(url, keys, `tenant-${u % 5}`), keys })
    }
  })

  afterAll(async () => {
    await app?.close()
    await upstream?.close()
  })

  it(`sends exactly the caller's own key upstream in ${CALLS} interleaved concurrent calls`, async () => {
    const client = new Agent({ connections: 64 })
    const calls = Array.from({ length: CALLS }, (_, i) => ({
      rid: `t${i}`,
      user: Math.floor(Math.random() * USERS),
      provider: PROVIDER_IDS[Math.floor(Math.random() * PROVIDER_IDS.length)]!,
      tokenHeader: TOKEN_HEADERS[i % TOKEN_HEADERS.length]!,
      // Some calls also carry another user's key as a client credential (x-api-key, which the token in
      // x-relay-token or Authorization outranks): it must never travel.
      decoy: i % 5 === 0 && i % 4 < 2 ? (i + 1) % USERS : null,
    }))
    const started = performance.now()
    await pool(calls, 64, async (c) => {
      const { token } = users[c.user]!
      const decoy = c.decoy === null ? {} : { 'x-api-key': users[c.decoy]!.keys.anthropic }
      const res = await request(`${url}${PROVIDERS[c.provider].path}?rid=${c.rid}`, {
        method: 'POST',
        dispatcher: client,
        headers: { 'content-type': 'application/json', ...decoy, ...c.tokenHeader(token) },
        body: JSON.stringify({ model: 'm', messages: [] }),
      })
      const text = await res.body.text()
      expect(res.statusCode, text).toBe(200)
    })
    const elapsed = performance.now() - started
    await client.close()

    const byRid = new Map(upstream.hits.map((h) => [h.query.get('rid'), h]))
    const allSecrets = users.flatMap((u) => [u.token, ...Object.values(u.keys)])
    let wrong = 0
    for (const c of calls) {
      const hit = byRid.get(c.rid)
      expect(hit, c.rid).toBeDefined()
      const { header, prefix } = PROVIDERS[c.provider]
      const own = users[c.user]!.keys[c.provider]
      if (hit!.headers[header] !== `${prefix}${own}`) wrong += 1
      // Nothing else secret anywhere in what the upstream received: no token, no other key.
      const seen = `${hit!.url}\n${JSON.stringify(hit!.headers)}`
      const leaked = allSecrets.filter((s) => s !== own && seen.includes(s))
      expect(leaked, c.rid).toEqual([])
    }
    console.log(
      `[reliability] tenant isolation: ${USERS} users × ${PROVIDER_IDS.length} providers, ${CALLS} interleaved calls at concurrency 64 in ${Math.round(elapsed)} ms (4 token header styles, 1 in 10 with another user's key as a decoy): ${wrong} upstream requests with a key other than the caller's own`,
    )
    expect(wrong).toBe(0)
  })
})
