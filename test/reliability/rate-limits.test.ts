import { buildApp, loadConfig } from '@byok/relay'
import { Client } from 'undici'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { logSink } from '../log-scan.js'
import {
  APP_SECRET,
  createUser,
  ENCRYPTION_SECRET,
  expectErrorBody,
  type FaultUpstream,
  scaled,
  startFaultUpstream,
} from './support.js'

type FastifyInstance = Awaited<ReturnType<typeof buildApp>>

const CLIENTS = 64
const PER_CLIENT = scaled(4, 40)

/**
 * A frozen Date (the rate-limit stores read it; timers still run): no window can roll over mid-test, however long
 * a soak run takes, so "exactly N" is exact.
 */
function freezeDate(): void {
  vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2030, 0, 1) })
}

interface Tally {
  ok: number
  limited: number
  other: string[]
}

/** 64 clients, each on its own connection, fire `PER_CLIENT` requests at once. */
async function burst(url: string, send: (client: Client) => Promise<{ status: number; text: string }>) {
  const clients = Array.from({ length: CLIENTS }, () => new Client(url, { pipelining: 1 }))
  const tally: Tally = { ok: 0, limited: 0, other: [] }
  await Promise.all(
    clients.flatMap((client) =>
      Array.from({ length: PER_CLIENT }, async () => {
        const { status, text } = await send(client)
        if (status === 200) tally.ok += 1
        else if (status === 429) {
          expectErrorBody(text, 'rate_limited')
          tally.limited += 1
        } else tally.other.push(`${status} ${text}`)
      }),
    ),
  )
  await Promise.all(clients.map((c) => c.close()))
  return tally
}

describe('rate limits under 64 concurrent clients (no over-admission)', () => {
  let app: FastifyInstance | undefined
  let upstream: FaultUpstream | undefined
  afterEach(async () => {
    await app?.close()
    await upstream?.close()
    vi.useRealTimers()
  })

  async function start(env: Record<string, string>): Promise<string> {
    freezeDate()
    upstream = await startFaultUpstream()
    app = await buildApp(
      loadConfig({
        ENCRYPTION_SECRET,
        APP_SECRET,
        DB_PATH: ':memory:',
        LOG_LEVEL: 'trace',
        OPENAI_BASE_URL: upstream.origin,
        ...env,
      }),
      { logSink },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    return `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  }

  const call = async (
    client: Client,
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ) => {
    const res = await client.request({ method, path, headers, body: body ?? null })
    return { status: res.statusCode, text: await res.body.text() }
  }

  it('admits exactly N relay calls per token, N registrations per IP and N requests per IP', async () => {
    const RELAY = 37
    const REGISTER = 11
    const url = await start({
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: String(RELAY),
      RATE_LIMIT_REGISTER_PER_HOUR: String(REGISTER),
    })
    const registered = await burst(url, (c) =>
      call(
        c,
        'POST',
        '/users',
        { 'content-type': 'application/json', authorization: `Bearer ${APP_SECRET}` },
        '{"app_id":"limits"}',
      ),
    )
    await app!.close()
    await upstream!.close()

    const relayUrl = await start({
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: String(RELAY),
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
    })
    const token = await createUser(relayUrl, { openai: 'sk-proj-ReliabilityLimits0123456789' })
    const relayed = await burst(relayUrl, (c) =>
      call(
        c,
        'POST',
        '/relay/openai/v1/chat/completions',
        { 'content-type': 'application/json', 'x-relay-token': token },
        '{"model":"gpt-4o-mini"}',
      ),
    )
    await app!.close()
    await upstream!.close()

    const GLOBAL = 53
    const globalUrl = await start({
      RATE_LIMIT_GLOBAL_PER_MIN: String(GLOBAL),
      RATE_LIMIT_RELAY_PER_MIN: '0',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
    })
    const global = await burst(globalUrl, (c) => call(c, 'GET', '/version', {}))

    const total = CLIENTS * PER_CLIENT
    console.log(
      `[reliability] rate limits, ${CLIENTS} concurrent clients × ${PER_CLIENT} requests: relay ${relayed.ok}/${total} admitted (limit ${RELAY}), registration ${registered.ok}/${total} (limit ${REGISTER}), global ${global.ok}/${total} (limit ${GLOBAL}); every other answer 429 rate_limited`,
    )
    for (const t of [registered, relayed, global]) expect(t.other).toEqual([])
    expect(registered.ok).toBe(REGISTER)
    expect(relayed.ok).toBe(RELAY)
    expect(global.ok).toBe(GLOBAL)
    expect(relayed.limited + relayed.ok).toBe(total)
  })
})
