import { createServer } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { ByokError, createByok, type RejectedToken, relayErrorOf } from '../../templates/client/src/index.js'
import { type ClientRelay, chatBody, createMemoryStorage, startClientRelay, USER_KEY } from './harness.js'

const APP_SECRET = 'client-test-app-secret-0123456789'

let relay: ClientRelay | undefined
afterEach(async () => {
  await relay?.close()
  relay = undefined
})

const chat = (init: RequestInit = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: chatBody(),
  ...init,
})

/** A loopback port nothing listens on: bound, read, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

describe('a relay that is not running', () => {
  test('management calls and relay calls reject with relay_unreachable, naming the URL and `npx byok dev`', async () => {
    const relayUrl = `http://127.0.0.1:${await closedPort()}`
    const byok = createByok({ relayUrl, appId: 'down', storage: createMemoryStorage() })
    const expected = {
      name: 'ByokError',
      code: 'relay_unreachable',
      status: 0,
      message: `Cannot reach the byok relay at ${relayUrl}`,
      hint: expect.stringContaining('npx byok dev'),
    }
    await expect(byok.listKeys()).rejects.toMatchObject(expected)
    const storage = createMemoryStorage()
    storage.setItem(`byok:token:${relayUrl}|down`, 'byok_rt_cached')
    const cached = createByok({ relayUrl, appId: 'down', storage })
    const failure = await cached.relayFetch('openai', '/v1/chat/completions', chat()).catch((e) => e)
    expect(failure).toBeInstanceOf(ByokError)
    expect(failure).toMatchObject(expected)
    expect((failure as ByokError).cause).toBeInstanceOf(Error)
  })

  test('an abort stays an AbortError, and non-relay URLs keep their own network errors', async () => {
    const relayUrl = `http://127.0.0.1:${await closedPort()}`
    const storage = createMemoryStorage()
    storage.setItem(`byok:token:${relayUrl}|down`, 'byok_rt_cached')
    const byok = createByok({ relayUrl, appId: 'down', storage })
    const aborted = await byok
      .relayFetch('openai', '/v1/chat/completions', chat({ signal: AbortSignal.abort() }))
      .catch((e) => e)
    expect(aborted).toMatchObject({ name: 'AbortError' })
    const elsewhere = await byok.fetch(`http://127.0.0.1:${await closedPort()}/v1/models`).catch((e) => e)
    expect(elsewhere).not.toBeInstanceOf(ByokError)
  })
})

describe('rate limits', () => {
  test('a refused registration says which limit and when it resets', async () => {
    relay = await startClientRelay({}, { RATE_LIMIT_REGISTER_PER_HOUR: '1' })
    const first = createByok({
      relayUrl: relay.url,
      appId: 'rl',
      storage: createMemoryStorage(),
      fetch: relay.fetch,
    })
    await first.token()
    const second = createByok({
      relayUrl: relay.url,
      appId: 'rl',
      storage: createMemoryStorage(),
      fetch: relay.fetch,
    })
    const error = (await second.token().catch((e) => e)) as ByokError
    expect(error).toBeInstanceOf(ByokError)
    expect(error).toMatchObject({ code: 'rate_limited', status: 429 })
    expect(error.message).toMatch(
      /^Too many registrations: the relay allows 1 registration per hour; try again in (59|60) min\.$/,
    )
    expect(error.retryAfter).toBeGreaterThan(3500)
    expect(error.retryAfter).toBeLessThanOrEqual(3600)
  })

  test('relayErrorOf words a 429 on a relay call, and leaves a provider error to the caller', async () => {
    relay = await startClientRelay({}, { RATE_LIMIT_RELAY_PER_MIN: '2' })
    const byok = createByok({
      relayUrl: relay.url,
      appId: 'rl',
      storage: createMemoryStorage(),
      fetch: relay.fetch,
      promptForKey: async () => USER_KEY,
    })
    const ok = await byok.relayFetch('openai', '/v1/chat/completions', chat())
    expect(ok.status).toBe(200)
    expect(await relayErrorOf(ok)).toBeNull()
    const statuses: number[] = []
    let limited: Response | undefined
    for (let i = 0; i < 3 && !limited; i++) {
      const response = await byok.relayFetch('openai', '/v1/chat/completions', chat())
      statuses.push(response.status)
      if (response.status === 429) limited = response
    }
    expect(limited, `statuses ${statuses}`).toBeDefined()
    const error = await relayErrorOf(limited!)
    expect(error).toMatchObject({ code: 'rate_limited', status: 429 })
    expect(error!.message).toMatch(
      /^Too many requests: the relay allows 2 requests per minute; try again in \d+ s\.$/,
    )
    expect(error!.retryAfter).toBeGreaterThan(0)
    // The body is still readable by the caller (an SDK parses it).
    expect(await limited!.json()).toMatchObject({ code: 'rate_limited' })

    const upstream = new Response(
      JSON.stringify({ error: { message: 'quota', type: 'insufficient_quota' } }),
      {
        status: 429,
        headers: { 'content-type': 'application/json' },
      },
    )
    expect(await relayErrorOf(upstream)).toBeNull()
  })
})

describe('getToken: tokens from the app backend (APP_SECRET)', () => {
  test('without getToken the browser is told to use its backend; with it, calls and the key flow work', async () => {
    relay = await startClientRelay({}, { APP_SECRET })
    const current = relay
    const browserOnly = createByok({
      relayUrl: current.url,
      appId: 'backend',
      storage: createMemoryStorage(),
      fetch: current.fetch,
    })
    await expect(browserOnly.token()).rejects.toMatchObject({
      code: 'app_secret_invalid',
      status: 401,
      hint: expect.stringContaining('getToken'),
    })

    // What the app's backend does (the README's route handler): register with APP_SECRET, hand out the token.
    const issued: string[] = []
    const calls: (RejectedToken | undefined)[] = []
    const backend = async (rejected?: RejectedToken): Promise<string> => {
      calls.push(rejected)
      const response = await current.fetch(`${current.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${APP_SECRET}` },
        body: JSON.stringify({ app_id: 'backend' }),
      })
      const { token } = (await response.json()) as { token: string }
      issued.push(token)
      return token
    }
    const storage = createMemoryStorage()
    const byok = createByok({
      relayUrl: current.url,
      appId: 'backend',
      storage,
      fetch: current.fetch,
      getToken: backend,
      promptForKey: async () => USER_KEY,
    })
    const [a, b] = await Promise.all([byok.token(), byok.token()])
    expect(a).toBe(b)
    expect(calls).toEqual([undefined])
    expect((await byok.relayFetch('openai', '/v1/chat/completions', chat())).status).toBe(200)
    expect(await byok.listKeys()).toEqual([expect.objectContaining({ provider: 'openai' })])

    // The relay refuses the token (revoked): getToken is asked again, told which token and why.
    await current.fetch(`${current.url}/tokens/revoke`, { method: 'POST', headers: { 'x-relay-token': a } })
    expect(await byok.listKeys()).toEqual([])
    expect(calls).toEqual([undefined, { token: a, code: 'token_revoked' }])
    expect(await byok.token()).toBe(issued[1])
    expect([...storage.values.values()]).toEqual([issued[1]])
  })
})
