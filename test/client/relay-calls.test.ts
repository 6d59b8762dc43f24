import Anthropic from '@anthropic-ai/sdk'
import { sentBody } from '@byok/relay/mock-providers'
import OpenAI from 'openai'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type ByokClient, createByok, type KeyPromptReason } from '../../templates/client/src/index.js'
import {
  type ClientRelay,
  chatBody,
  createMemoryStorage,
  startClientRelay,
  USER_ANTHROPIC_KEY,
  USER_KEY,
} from './harness.js'

let relay: ClientRelay
let storage: ReturnType<typeof createMemoryStorage>
let prompts: { provider: string; reason: KeyPromptReason }[]
let answers: (string | null)[]

function client(extra: Partial<Parameters<typeof createByok>[0]> = {}): ByokClient {
  return createByok({
    relayUrl: `${relay.url}/`,
    appId: 'client-test',
    storage,
    fetch: relay.fetch,
    promptForKey: async (provider, reason) => {
      prompts.push({ provider, reason })
      return answers.shift() ?? null
    },
    ...extra,
  })
}

const chat = (byok: ByokClient, init: RequestInit = {}) =>
  byok.relayFetch('openai', '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(),
    ...init,
  })

const registrations = () => relay.sent.filter((r) => r.method === 'POST' && r.url.endsWith('/users'))

beforeEach(async () => {
  relay = await startClientRelay()
  storage = createMemoryStorage()
  prompts = []
  answers = []
})
afterEach(async () => {
  await relay.close()
})

describe('relay token', () => {
  test('registers once, caches the token per relay URL + app id, and reuses it', async () => {
    const byok = client()
    const [a, b] = await Promise.all([byok.token(), byok.token()])
    expect(a).toBe(b)
    expect(registrations()).toHaveLength(1)
    expect(JSON.parse(registrations()[0]!.body)).toEqual({ app_id: 'client-test' })
    expect([...storage.values.values()]).toEqual([a])
    const [storageKey] = [...storage.values.keys()]
    expect(storageKey).toContain(relay.url)
    expect(storageKey).toContain('client-test')

    // A second client (a page reload) with the same storage reuses it; another app id registers its own.
    expect(await client().token()).toBe(a)
    await client().listKeys()
    expect(registrations()).toHaveLength(1)
    expect(relay.sent.at(-1)!.headers['x-relay-token']).toBe(a)
    expect(await client({ appId: 'other-app' }).token()).not.toBe(a)
    expect(registrations()).toHaveLength(2)
  })

  // Node 20 has no localStorage; newer Nodes may define one.
  test.skipIf('localStorage' in globalThis)(
    'without storage or localStorage the token is kept in memory',
    async () => {
      const byok = createByok({ relayUrl: relay.url, appId: 'no-storage', fetch: relay.fetch })
      expect(await byok.token()).toBe(await byok.token())
      expect(registrations()).toHaveLength(1)
    },
  )

  test('forget() revokes the token and drops it; the next call registers again', async () => {
    const byok = client()
    const first = await byok.token()
    await byok.forget()
    expect(relay.sent.at(-1)).toMatchObject({ method: 'POST', url: `${relay.url}/tokens/revoke` })
    expect(storage.values.size).toBe(0)
    const revoked = await relay.fetch(`${relay.url}/keys`, { headers: { 'x-relay-token': first } })
    expect((await revoked.json()) as unknown).toMatchObject({ code: 'token_revoked' })

    expect(await byok.listKeys()).toEqual([])
    expect(registrations()).toHaveLength(2)
    expect(await byok.token()).not.toBe(first)
  })

  test('a token revoked behind its back is replaced and the call retried once', async () => {
    const byok = client()
    answers = [USER_KEY]
    expect((await chat(byok)).status).toBe(200)
    const old = await byok.token()
    const withOld = () =>
      relay.sent.filter((r) => r.url.includes('/relay/') && r.headers['x-relay-token'] === old)
    const before = withOld().length
    await relay.fetch(`${relay.url}/tokens/revoke`, { method: 'POST', headers: { 'x-relay-token': old } })

    // The new user has no key yet, so the retried call also goes through the key prompt.
    answers = [USER_KEY]
    const response = await chat(byok)
    expect(response.status).toBe(200)
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion')
    expect(registrations()).toHaveLength(2)
    expect(withOld()).toHaveLength(before + 1) // the one attempt the relay refused as token_revoked
    const fresh = await byok.token()
    expect(fresh).not.toBe(old)
    expect(storage.values.get([...storage.values.keys()][0]!)).toBe(fresh)
  })
})

describe('key flow', () => {
  test('key_missing → promptForKey → POST /keys → onKeyStored → the call is retried once', async () => {
    answers = [USER_KEY]
    const chatCalls = () => relay.sent.filter((r) => r.url.includes('/v1/chat/completions')).length
    // Each notice, with how many chat calls had left by then.
    const stored: string[] = []
    const response = await chat(client({ onKeyStored: (p) => stored.push(`${p} after ${chatCalls()}`) }))
    expect(response.status).toBe(200)
    expect(stored, 'told once, before the retry').toEqual(['openai after 1'])
    expect(prompts).toEqual([
      { provider: 'openai', reason: expect.objectContaining({ code: 'key_missing' }) },
    ])
    expect(relay.mock.exchanges).toHaveLength(1)
    expect(relay.mock.exchanges[0]!.request.headers.authorization).toBe(`Bearer ${USER_KEY}`)
    const calls = relay.sent.filter((r) => r.url.includes('/relay/openai/v1/chat/completions'))
    expect(calls).toHaveLength(2)
    expect(calls[1]!.body).toBe(calls[0]!.body)
  })

  test('a 401 from the provider to the stored key asks again (key_rejected); cancelling returns that 401', async () => {
    const byok = client()
    await byok.storeKey('openai', 'sk-proj-RevokedAtTheProvider0123456789')
    answers = [USER_KEY]
    expect((await chat(byok)).status).toBe(200)
    expect(prompts).toEqual([
      {
        provider: 'openai',
        reason: {
          code: 'key_rejected',
          message: 'OpenAI refused the key stored for you. Enter a new OpenAI key.',
        },
      },
    ])
    expect(relay.mock.exchanges.map((e) => e.response.status)).toEqual([401, 200])

    await byok.storeKey('openai', 'sk-proj-RevokedAtTheProvider0123456789')
    answers = [null]
    const refused = await chat(byok)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ error: { code: 'invalid_api_key' } })
  })

  test('a provider 403 asks for a new key too; a 403 of the relay’s own is passed through without asking', async () => {
    const forbidden = (body: unknown) =>
      new Response(JSON.stringify(body), { status: 403, headers: { 'content-type': 'application/json' } })
    const answersFor403 = [
      forbidden({
        error: { message: 'You do not have access to this project.', type: 'invalid_request_error' },
      }),
      forbidden({
        error: 'Origin not allowed',
        code: 'origin_not_allowed',
        hint: 'Add it to ALLOWED_ORIGINS',
      }),
    ]
    const byok = client({
      fetch: async (input, init) =>
        String(input).endsWith('/v1/chat/completions') && answersFor403.length > 0 && prompts.length === 0
          ? answersFor403.shift()!
          : relay.fetch(input, init),
    })
    answers = [USER_KEY]
    expect((await chat(byok)).status).toBe(200)
    expect(prompts.map((p) => p.reason.code)).toEqual(['key_rejected'])
    expect(relay.mock.exchanges.map((e) => e.response.status)).toEqual([200])

    prompts = [{ provider: 'marker', reason: { code: 'key_missing', message: '' } }]
    const fetchAgain = client({
      fetch: async (input, init) =>
        String(input).endsWith('/v1/chat/completions') && answersFor403.length > 0
          ? answersFor403.shift()!
          : relay.fetch(input, init),
    })
    const relayOwn = await chat(fetchAgain)
    expect(relayOwn.status).toBe(403)
    expect(await relayOwn.json()).toMatchObject({ code: 'origin_not_allowed' })
    expect(prompts, 'no prompt for the relay’s own 403').toHaveLength(1)
  })

  test('a promptForKey that stored the key itself (verified) answers true, and the key is not stored twice', async () => {
    let byok: ByokClient | undefined
    byok = client({
      promptForKey: async (provider, reason) => {
        prompts.push({ provider, reason })
        await byok!.storeKey(provider, USER_KEY, { verify: true })
        return true
      },
    })
    expect((await chat(byok)).status).toBe(200)
    const stores = relay.sent.filter((r) => r.method === 'POST' && r.url.includes('/keys/openai'))
    expect(stores.map((r) => new URL(r.url).pathname)).toEqual(['/keys/openai/rotate'])
    // The rotate route had the provider check the key (GET /v1/models) before the call went through.
    expect(relay.mock.exchanges.map((e) => `${e.request.path} ${e.response.status}`)).toEqual([
      '/v1/models 200',
      '/v1/chat/completions 200',
    ])
    await expect(
      byok.storeKey('openai', 'sk-proj-NotAcceptedByTheProvider01234567', { verify: true }),
    ).rejects.toMatchObject({
      code: 'key_rejected',
    })
    expect(await byok.listKeys()).toEqual([
      expect.objectContaining({ provider: 'openai', hint: `…${USER_KEY.slice(-4)}` }),
    ])
  })

  test('cancelling returns the original key_missing response (and stores nothing to tell of)', async () => {
    answers = [null]
    const stored: string[] = []
    const response = await chat(client({ onKeyStored: (p) => stored.push(p) }))
    expect(stored).toEqual([])
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 'key_missing' })
    expect(relay.sent.some((r) => r.url.includes('/keys/'))).toBe(false)
    expect(relay.mock.exchanges).toHaveLength(0)
  })

  test('a key the relay calls key_invalid is asked for again with that reason', async () => {
    answers = ['not-a-key', USER_KEY]
    expect((await chat(client())).status).toBe(200)
    expect(prompts.map((p) => p.reason.code)).toEqual(['key_missing', 'key_invalid'])
    expect(prompts[1]!.reason.message).toMatch(/OpenAI key/)
  })

  test('concurrent calls missing the same key share one prompt', async () => {
    answers = [USER_KEY]
    const stored: string[] = []
    const byok = client({ onKeyStored: (p) => stored.push(p) })
    const responses = await Promise.all([chat(byok), chat(byok), chat(byok)])
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200])
    expect(prompts).toHaveLength(1)
    expect(stored).toEqual(['openai'])
  })

  test('a ReadableStream body is buffered so the call can be replayed after the prompt', async () => {
    answers = [USER_KEY]
    const bytes = new TextEncoder().encode(chatBody())
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10))
        controller.enqueue(bytes.slice(10))
        controller.close()
      },
    })
    expect((await chat(client(), { body })).status).toBe(200)
    expect(relay.mock.exchanges[0]!.request.body.toString()).toBe(chatBody())
  })

  test('the provider key is in no storage value and in no request but the one POST /keys/openai', async () => {
    answers = [USER_KEY]
    const byok = client()
    await chat(byok)
    await chat(byok)
    await byok.listKeys()
    for (const value of storage.values.values()) expect(value).not.toContain(USER_KEY)
    const carrying = relay.sent.filter((r) => JSON.stringify(r).includes(USER_KEY))
    expect(carrying).toHaveLength(1)
    expect(carrying[0]).toMatchObject({ method: 'POST', url: `${relay.url}/keys/openai` })
    expect(JSON.parse(carrying[0]!.body)).toEqual({ key: USER_KEY })
  })

  test('storeKey, listKeys and deleteKey manage the stored keys', async () => {
    const byok = client()
    await byok.storeKey('openai', USER_KEY)
    const keys = await byok.listKeys()
    expect(keys).toEqual([{ provider: 'openai', hint: expect.any(String), created_at: expect.any(String) }])
    expect(USER_KEY.endsWith(keys[0]!.hint.replace(/\W/g, ''))).toBe(true)
    expect((await chat(byok)).status).toBe(200)
    await byok.deleteKey('openai')
    expect(await byok.listKeys()).toEqual([])
    await expect(byok.storeKey('openai', 'short')).rejects.toMatchObject({ code: 'key_invalid', status: 400 })
    await expect(byok.storeKey('nope', USER_KEY)).rejects.toMatchObject({ code: 'provider_unknown' })
  })
})

describe('budgets and usage', () => {
  test('setBudget, listBudgets, deleteBudget and usage manage the caps and read the usage', async () => {
    const byok = client()
    await byok.storeKey('openai', USER_KEY)
    const budget = await byok.setBudget({ provider: 'openai', period: 'day', max_requests: 1 })
    expect(budget).toMatchObject({
      provider: 'openai',
      period: 'day',
      max_requests: 1,
      max_output_tokens: null,
    })
    expect((await chat(byok)).status).toBe(200)
    const refused = await chat(byok)
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect((await refused.json()).code).toBe('budget_exceeded')
    expect(relay.mock.exchanges).toHaveLength(1)
    const [listed] = await byok.listBudgets()
    expect(listed).toMatchObject({ id: budget.id, used: { requests: 1 } })

    const report = await byok.usage()
    expect(report.rows).toEqual([
      expect.objectContaining({ app_id: 'client-test', provider: 'openai', requests: 1, errors: 0 }),
    ])
    expect((await byok.usage({ from: '2001-01-01', to: '2001-01-02' })).rows).toEqual([])

    await byok.deleteBudget(budget.id)
    expect(await byok.listBudgets()).toEqual([])
    expect((await chat(byok)).status).toBe(200)
    await expect(byok.deleteBudget(budget.id)).rejects.toMatchObject({ code: 'not_found', status: 404 })
    await expect(byok.setBudget({ period: 'day' })).rejects.toMatchObject({ code: 'validation_error' })
  })
})

describe('streaming and abort', () => {
  test('SSE chunks reach the reader before the stream ends, byte for byte', async () => {
    await relay.close()
    relay = await startClientRelay({ chunks: 5, delayMs: 150 })
    const byok = client()
    await byok.storeKey('openai', USER_KEY)
    const response = await chat(byok, { body: chatBody(true) })
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = response.body!.getReader()
    const first = await reader.read()
    expect(first.done).toBe(false)
    const exchange = relay.mock.exchanges[0]!
    expect(exchange.response.completed).toBe(false) // the mock is still streaming
    const parts = [first.value!]
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value)
    expect(parts.length).toBeGreaterThan(1)
    expect(Buffer.concat(parts).equals(sentBody(exchange))).toBe(true)
  })

  test('an AbortController aborts a long stream and the upstream sees the close', async () => {
    await relay.close()
    relay = await startClientRelay({ chunks: 100, delayMs: 100 })
    const byok = client()
    await byok.storeKey('openai', USER_KEY)
    const controller = new AbortController()
    const response = await chat(byok, { body: chatBody(true), signal: controller.signal })
    const reader = response.body!.getReader()
    await reader.read()
    controller.abort()
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended'
      })(),
    ).rejects.toThrow(/abort/i)
    const exchange = relay.mock.exchanges[0]!
    await exchange.closed
    expect(exchange.response.completed).toBe(false)
  })
})

describe('SDK options and fetch', () => {
  test('the OpenAI SDK works with sdkOptions, including the key prompt and retry', async () => {
    answers = [USER_KEY]
    const byok = client()
    const options = await byok.sdkOptions('openai')
    expect(options).toMatchObject({ baseURL: `${relay.url}/relay/openai/v1`, dangerouslyAllowBrowser: true })
    expect(options.apiKey).toBe(await byok.token())
    const openai = new OpenAI({ ...options, maxRetries: 0 })
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(completion.choices[0]!.message.content).toContain('Hello')
    expect(prompts).toHaveLength(1)
  })

  test('the Anthropic SDK works with sdkOptions (token in x-api-key), including the key prompt', async () => {
    answers = [USER_ANTHROPIC_KEY]
    const byok = client()
    const options = await byok.sdkOptions('anthropic')
    expect(options.baseURL).toBe(`${relay.url}/relay/anthropic`)
    const anthropic = new Anthropic({ ...options, maxRetries: 0 })
    const message = await anthropic.messages.create({
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(message.content[0]).toMatchObject({ type: 'text' })
    expect(prompts.map((p) => p.provider)).toEqual(['anthropic'])
    expect(relay.anthropic.exchanges.map((e) => e.request.headers['x-api-key'])).toEqual([USER_ANTHROPIC_KEY])
  })

  test('fetch passes other URLs through untouched and handles Request objects', async () => {
    const byok = client()
    const health = await byok.fetch(`${relay.url}/health`)
    expect(health.status).toBe(200)
    expect(relay.sent.at(-1)!.headers['x-relay-token']).toBeUndefined()
    answers = [USER_KEY]
    const request = new Request(`${relay.url}/relay/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chatBody(),
    })
    expect((await byok.fetch(request)).status).toBe(200)
  })

  test('baseUrl strips the trailing slash of relayUrl', () => {
    expect(client().baseUrl('anthropic')).toBe(`${relay.url}/relay/anthropic`)
  })
})
