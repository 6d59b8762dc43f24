import { createHash } from 'node:crypto'
import { buildApp, loadConfig } from '@byok/relay'
import { type MockProvider, startOpenAIMock } from '@byok/relay/mock-providers'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_SECRET,
  ENCRYPTION_SECRET,
  type FaultUpstream,
  NO_LIMITS,
  startFaultUpstream,
} from './support.js'

type FastifyInstance = Awaited<ReturnType<typeof buildApp>>

const TOKEN_HMAC_SECRET = 'reliability-token-hmac-secret-0123456789abcdef'
const KEYS = {
  openai: 'sk-proj-SecretsOpenAIKeyAlpha0123456789',
  openaiRotated: 'sk-proj-SecretsOpenAIKeyBravo0123456789',
  openaiRejected: 'sk-proj-RejectedSecretsKeyCharlie012345',
  anthropic: 'sk-ant-api03-SecretsAnthropicKeyDelta0123456789',
  anthropicRotated: 'sk-ant-api03-SecretsAnthropicKeyEcho0123456789',
  google: `AIza${'SecretsGoogleKeyFoxtrot'.padEnd(35, '7')}`,
  otherUser: 'sk-ant-api03-SecretsOtherUsersKeyGolf0123456789',
  malformed: 'sk-ant-Secrets Malformed Key Hotel 0123456789',
}

interface Seen {
  what: string
  status: number
  headers: string
  body: string
}

/** Every 16-character window of `secret`: catches a secret cut, re-encoded prefix aside, or partly echoed. */
function windows(secret: string, size = 16): string[] {
  return Array.from({ length: Math.max(1, secret.length - size + 1) }, (_, i) => secret.slice(i, i + size))
}

describe('secrets never leave (trace logging captured)', () => {
  let upstream: FaultUpstream
  let openaiMock: MockProvider
  let app: FastifyInstance
  let url: string
  const logLines: string[] = []
  const seen: Seen[] = []
  const tokens: string[] = []

  async function send(what: string, path: string, init: RequestInit = {}): Promise<Seen> {
    const res = await fetch(`${url}${path}`, init)
    const entry = {
      what,
      status: res.status,
      headers: JSON.stringify([...res.headers]),
      body: await res.text().catch((e: unknown) => `<cut: ${String(e)}>`),
    }
    seen.push(entry)
    return entry
  }
  const json = (token: string | null, body: unknown, extra: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-relay-token': token } : {}), ...extra },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

  beforeAll(async () => {
    upstream = await startFaultUpstream()
    openaiMock = await startOpenAIMock({ expectedKey: KEYS.openai, chunks: 4 })
    app = await buildApp(
      loadConfig({
        ENCRYPTION_SECRET,
        TOKEN_HMAC_SECRET,
        APP_SECRET,
        DB_PATH: ':memory:',
        LOG_LEVEL: 'trace',
        ALLOWED_ORIGINS: 'https://app.example',
        UPSTREAM_TIMEOUT_MS: '300',
        ...NO_LIMITS,
        RATE_LIMIT_RELAY_PER_MIN: '40',
        OPENAI_BASE_URL: openaiMock.url,
        ANTHROPIC_BASE_URL: upstream.origin,
        GOOGLE_BASE_URL: upstream.origin,
      }),
      { logSink: { write: (line) => void logLines.push(line) } },
    )
    await app.listen({ host: '127.0.0.1', port: 0 })
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  })

  afterAll(async () => {
    await app?.close()
    await openaiMock?.close()
    await upstream?.close()
  })

  it('keeps keys, tokens and secrets out of every log line, error body and response header', async () => {
    const auth = { authorization: `Bearer ${APP_SECRET}` }
    await send('register without secret', '/users', json(null, { app_id: 'secrets' }))
    await send(
      'register, wrong secret',
      '/users',
      json(null, { app_id: 'secrets' }, { authorization: `Bearer ${APP_SECRET}x` }),
    )
    for (const _ of [0, 1]) {
      const r = await send('register', '/users', json(null, { app_id: 'secrets' }, auth))
      tokens.push((JSON.parse(r.body) as { token: string }).token)
    }
    const [a, b] = tokens as [string, string]
    for (const [provider, key] of [
      ['openai', KEYS.openai],
      ['anthropic', KEYS.anthropic],
      ['google', KEYS.google],
    ] as const) {
      expect((await send(`store ${provider}`, `/keys/${provider}`, json(a, { key }))).status).toBe(200)
    }
    await send('store for B', '/keys/anthropic', json(b, { key: KEYS.otherUser }))
    await send('malformed key', '/keys/anthropic', json(a, { key: KEYS.malformed }))
    await send('key as a number', '/keys/openai', json(a, `{"key": ${'9'.repeat(40)}}`))
    await send('broken JSON with a key', '/keys/openai', json(a, `{"key":"${KEYS.openai}"`))
    await send(
      'oversized body with a key',
      '/keys/openai',
      json(a, { key: KEYS.openai, pad: 'x'.repeat(11 * 1024 * 1024) }),
    )
    await send('wrong provider', '/keys/nope', json(a, { key: KEYS.openai }))
    await send(
      'base_url on a fixed provider',
      '/keys/openai',
      json(a, { key: KEYS.openai, base_url: 'https://evil.example' }),
    )

    // Relay traffic: SDK JSON and stream, each SDK's token header, credentials in the query, upstream faults.
    const sdk = new OpenAI({ baseURL: `${url}/relay/openai/v1`, apiKey: a, maxRetries: 0 })
    await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
    const stream = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages: [], stream: true })
    for await (const _ of stream);
    const chat = { model: 'claude-haiku-4-5', messages: [] }
    await send('relay x-api-key token', '/relay/anthropic/v1/messages', json(null, chat, { 'x-api-key': a }))
    await send(
      'relay bearer token',
      '/relay/anthropic/v1/messages?fault=drip&n=3&ms=1',
      json(null, chat, { authorization: `Bearer ${a}` }),
    )
    await send(
      'relay, key in query',
      `/relay/google/v1beta/models/gemini-2.5-flash:generateContent?key=${KEYS.google}`,
      json(null, {}, { 'x-goog-api-key': a }),
    )
    for (const fault of [
      'reset-before',
      'reset-mid',
      'hang',
      'malformed',
      'status&code=401',
      'status&code=429',
    ]) {
      await send(`relay fault ${fault}`, `/relay/anthropic/v1/messages?fault=${fault}`, json(a, chat))
    }
    await send(
      'relay, client sends a key',
      '/relay/anthropic/v1/messages',
      json(a, chat, { 'x-api-key': KEYS.otherUser }),
    )
    await send('relay, bad token', '/relay/anthropic/v1/messages', json(`${a.slice(0, -2)}xx`, chat))
    await send('relay, forbidden path', '/relay/openai/v1/files', json(a, {}))
    await send('relay, no key stored', '/relay/groq/openai/v1/chat/completions', json(a, chat))

    // Rotation: accepted, refused by the provider, and through the fault upstream.
    openaiMock.settings.expectedKey = KEYS.openaiRotated
    expect(
      (await send('rotate openai', '/keys/openai/rotate', json(a, { key: KEYS.openaiRotated }))).status,
    ).toBe(200)
    expect(
      (await send('rotate rejected', '/keys/openai/rotate', json(a, { key: KEYS.openaiRejected }))).status,
    ).toBe(422)
    expect(
      (await send('rotate anthropic', '/keys/anthropic/rotate', json(a, { key: KEYS.anthropicRotated })))
        .status,
    ).toBe(200)
    await send(
      'rotate rejected upstream',
      '/keys/anthropic/rotate',
      json(a, { key: 'sk-ant-api03-RejectedRotation0123456789' }),
    )

    // Accounts and scoped tokens (issue 20): an external user, scoped tokens minted by a user and by the
    // backend, their refusals, the token list and revocation by id.
    const external = await send(
      'register',
      '/users',
      json(null, { app_id: 'secrets', external_user_id: 'user-7' }, auth),
    )
    tokens.push((JSON.parse(external.body) as { token: string }).token)
    const origin = { origin: 'https://app.example' }
    const scope = { providers: ['openai'], models: ['gpt-4o*'], origins: [origin.origin], expires_in: 600 }
    const minted = await send('mint', '/tokens', json(a, scope))
    const scoped = JSON.parse(minted.body) as { token: string; id: string }
    tokens.push(scoped.token)
    const backendMinted = await send(
      'mint',
      '/tokens',
      json(null, { app_id: 'secrets', external_user_id: 'user-7', providers: ['anthropic'] }, auth),
    )
    tokens.push((JSON.parse(backendMinted.body) as { token: string }).token)
    await send(
      'mint, wrong secret',
      '/tokens',
      json(
        null,
        { app_id: 'secrets', external_user_id: 'user-7' },
        { authorization: `Bearer ${APP_SECRET}x` },
      ),
    )
    await send('mint wider', '/tokens', json(scoped.token, { providers: ['google'] }, origin))
    await send('scoped, wrong origin', '/relay/openai/v1/chat/completions', json(scoped.token, chat))
    await send(
      'scoped, wrong model',
      '/relay/openai/v1/chat/completions',
      json(scoped.token, { model: 'gpt-4.1', messages: [] }, origin),
    )
    await send('scoped, wrong provider', '/relay/anthropic/v1/messages', json(scoped.token, chat, origin))
    await send('scoped stores a key', '/keys/openai', json(scoped.token, { key: KEYS.openai }, origin))
    await send('list tokens', '/tokens', { headers: { 'x-relay-token': a } })
    await send('revoke by id', `/tokens/${scoped.id}`, { method: 'DELETE', headers: { 'x-relay-token': a } })
    await send('revoked scoped token', '/keys', { headers: { 'x-relay-token': scoped.token, ...origin } })
    expect(seen.slice(-11).map((s) => `${s.what} ${s.status}`)).toEqual([
      'mint 200',
      'mint 200',
      'mint, wrong secret 401',
      'mint wider 403',
      'scoped, wrong origin 403',
      'scoped, wrong model 403',
      'scoped, wrong provider 403',
      'scoped stores a key 403',
      'list tokens 200',
      'revoke by id 200',
      'revoked scoped token 401',
    ])

    // The connect page and its redirect-mode exchange (issue 20): the page, codes, a wrong verifier, a reuse.
    const verifier = 'secrets-verifier-0123456789-abcdefghijklmnopqrstuvwxyz'
    const codeRequest = {
      provider: 'openai',
      redirect_uri: 'https://app.example/cb',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }
    const exchange = (code: string, codeVerifier = verifier) =>
      json(null, { code, code_verifier: codeVerifier, redirect_uri: codeRequest.redirect_uri })
    const page = (from: string) =>
      `/connect?${new URLSearchParams({ app_id: 'secrets', provider: 'openai', origin: from })}`
    await send('connect page', page(origin.origin))
    await send('connect page, other origin', page('https://evil.example'))
    const first = JSON.parse((await send('connect code', '/connect/codes', json(a, codeRequest))).body)
    tokens.push(first.code)
    await send('exchange, wrong verifier', '/connect/token', exchange(first.code, `${verifier}x`))
    const second = JSON.parse((await send('connect code', '/connect/codes', json(a, codeRequest))).body)
    tokens.push(second.code)
    const exchanged = await send('mint', '/connect/token', exchange(second.code))
    tokens.push((JSON.parse(exchanged.body) as { token: string }).token)
    await send('exchange, reused', '/connect/token', exchange(second.code))
    expect(seen.slice(-7).map((s) => `${s.what} ${s.status}`)).toEqual([
      'connect page 200',
      'connect page, other origin 403',
      'connect code 200',
      'exchange, wrong verifier 400',
      'connect code 200',
      'mint 200',
      'exchange, reused 400',
    ])

    // Reads, operator routes, revocation, erasure.
    await send('list keys', '/keys', { headers: { 'x-relay-token': a } })
    await send('stats', '/stats', { headers: { 'x-relay-token': a } })
    await send('app stats', '/stats/secrets', { headers: auth })
    await send('app stats, wrong secret', '/stats/secrets', {
      headers: { authorization: `Bearer ${ENCRYPTION_SECRET}` },
    })
    await send('health deep', '/health?deep=1')
    await send('delete key', '/keys/google', { method: 'DELETE', headers: { 'x-relay-token': a } })
    await send('revoke B', '/tokens/revoke', { method: 'POST', headers: { 'x-relay-token': b } })
    await send('revoked token', '/keys', { headers: { 'x-relay-token': b } })
    await send('token in a query string', `/keys?token=${a}`)
    await send('erase A', '/users', { method: 'DELETE', headers: { 'x-relay-token': a } })
    await send('erased token', '/keys', { headers: { 'x-relay-token': a } })
    // The request log is batched; let it flush and the trace lines of the last responses land.
    await new Promise((resolve) => setTimeout(resolve, 300))

    const secrets = {
      ENCRYPTION_SECRET,
      TOKEN_HMAC_SECRET,
      APP_SECRET,
      ...Object.fromEntries(Object.entries(KEYS).map(([k, v]) => [`key ${k}`, v])),
      ...Object.fromEntries(tokens.map((t, i) => [`token ${i}`, t])),
    }
    const leaks: string[] = []
    const texts = [
      ...logLines.map((line, i) => ({ where: `log line ${i}`, text: line })),
      ...seen.flatMap((s) => [
        { where: `${s.what}: headers`, text: s.headers },
        // Every body, except POST /users, POST /tokens, POST /connect/codes and POST /connect/token handing out
        // the token or code they exist to hand out.
        {
          where: `${s.what}: body (${s.status})`,
          text: ['register', 'mint', 'connect code'].includes(s.what) ? '' : s.body,
        },
      ]),
    ]
    for (const [name, secret] of Object.entries(secrets)) {
      const parts = windows(secret)
      for (const { where, text } of texts) {
        if (parts.some((p) => text.includes(p))) leaks.push(`${name} in ${where}`)
      }
    }
    const traceLines = logLines.filter((l) => /"level":(10|20)/.test(l)).length
    const errorBodies = seen.filter((s) => s.status >= 400).length
    console.log(
      `[reliability] secrets: ${seen.length + 2} requests at LOG_LEVEL=trace → ${logLines.length} log lines (${traceLines} trace/debug), ${errorBodies} error bodies, ${seen.length} header sets searched for ${Object.keys(secrets).length} secrets (every 16-character window): ${leaks.length} leaks`,
    )
    // The relay writes no trace-level lines of its own today; the level is on, so any future one is searched.
    expect(app.log.level).toBe('trace')
    expect(logLines.length).toBeGreaterThan(seen.length)
    expect(leaks).toEqual([])
  })
})
