import { buildApp, loadConfig } from '@byok/relay'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP_SECRET,
  createUser,
  ENCRYPTION_SECRET,
  type FaultUpstream,
  isErrorShape,
  NO_LIMITS,
  scaled,
  startFaultUpstream,
} from './support.js'

type FastifyInstance = Awaited<ReturnType<typeof buildApp>>

const CASES = scaled(20_000, 200_000)

const STORED = {
  openai: 'sk-proj-ReliabilityFuzz0123456789',
  anthropic: 'sk-ant-api03-ReliabilityFuzz0123456789',
  google: `AIza${'ReliabilityFuzz'.padEnd(35, '0')}`,
}

/** Printable ASCII: what a header value or a raw path may carry on the wire. */
const ascii = (maxLength: number) => fc.string({ unit: 'grapheme-ascii', maxLength })
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength })

const segment = fc.oneof(
  fc.constantFrom(
    'openai',
    'anthropic',
    'google',
    'openai-compatible',
    'nope',
    'v1',
    'v1beta',
    'chat',
    'completions',
    'messages',
    'responses',
    'models',
    'gemini-2.5-flash:generateContent',
    'gemini-2.5-flash:streamGenerateContent',
    'rotate',
    '..',
    '.',
    '',
    '%2e%2e',
    '%2F',
    '%00',
    '%c0%ae',
    '%',
    '%%32%65',
    '\\..',
    'a'.repeat(300),
  ),
  ascii(12).map((s) => s.replace(/[#?]/g, '')),
  anyText(8).map(encodeURIComponent),
)

const path = (token: () => string) =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '/users',
        '/tokens/revoke',
        '/tokens',
        `/tokens/${'0'.repeat(32)}`,
        '/keys',
        '/models',
        '/stats',
        '/health',
        '/version',
        '/openapi.json',
        '/relay',
        '/',
        '/relay/openai/v1/chat/completions',
        '/relay/openai/v1/responses',
        '/relay/anthropic/v1/messages',
        '/relay/google/v1beta/models/gemini-2.5-flash:generateContent',
        '/relay/openai-compatible/v1/chat/completions',
        '/relay/deepgram/v1/listen',
        '/relay/elevenlabs/v1/text-to-speech/voice',
        '/keys/openai',
        '/keys/openai/rotate',
        `/stats/fuzz`,
        // The connect page and its redirect-mode code exchange (issue 20).
        '/connect',
        '/connect?app_id=fuzz&provider=openai&origin=https%3A%2F%2Fapp.example.com',
        `/connect?app_id=fuzz&provider=openai&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&code_challenge=${'A'.repeat(43)}&code_challenge_method=S256`,
        '/connect/codes',
        '/connect/token',
      ),
    },
    { weight: 1, arbitrary: segment.map((s) => `/connect/${s}`) },
    { weight: 2, arbitrary: segment.map((s) => `/keys/${s}`) },
    { weight: 1, arbitrary: segment.map((s) => `/keys/${s}/rotate`) },
    { weight: 1, arbitrary: segment.map((s) => `/stats/${s}`) },
    { weight: 1, arbitrary: segment.map((s) => `/tokens/${s}`) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(segment, fc.array(segment, { maxLength: 6 }))
        .map(([p, rest]) => `/relay/${p}/${rest.join('/')}`),
    },
    { weight: 2, arbitrary: fc.array(segment, { maxLength: 5 }).map((rest) => `/${rest.join('/')}`) },
    { weight: 1, arbitrary: fc.constant(null).map(() => `/relay/openai/v1/chat/completions?key=${token()}`) },
  )

const query = fc.option(
  fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom('key', 'deep', 'alt', 'api_key', 'stream', 'beta'), ascii(6)),
        ascii(10),
      ),
      { maxLength: 4 },
    )
    .map(
      (pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`,
    ),
  { nil: '' },
)

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'multipart/form-data; boundary=XyZ',
  'multipart/form-data',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'audio/wav',
  'garbage/;;',
  '',
)

const jsonBody = fc.oneof(
  fc
    .record(
      {
        app_id: fc.oneof(
          ascii(20),
          fc.string({ maxLength: 250 }),
          fc.integer(),
          fc.constant(null),
          fc.array(fc.string()),
        ),
        key: fc.oneof(ascii(60), fc.constantFrom(...Object.values(STORED)), fc.integer(), fc.constant('')),
        base_url: fc.oneof(
          fc.constantFrom(
            'https://example.com',
            'http://127.0.0.1:1',
            'https://user:pw@x.io',
            'https://[::1]',
            'https://0x7f.1',
          ),
          ascii(30),
        ),
        model: fc.oneof(
          fc.constantFrom(
            'gpt-4o-mini',
            'claude-sonnet-4-5',
            'anthropic/claude-3',
            'gemini-2.5-flash',
            'evil-model',
            '',
          ),
          anyText(20),
          fc.integer(),
        ),
        model_id: ascii(20),
        stream: fc.boolean(),
        messages: fc.array(fc.record({ role: ascii(6), content: anyText(30) }), { maxLength: 3 }),
        __proto__: fc.constant({ polluted: true }),
        constructor: fc.constant({ prototype: { polluted: true } }),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o)),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom(
    '{',
    '{"model":',
    '[]',
    'null',
    '"x"',
    '{"__proto__":{"x":1}}',
    '\u0000',
    '{"model":"gpt-4o-mini"}',
  ),
)

const multipart = fc
  .tuple(fc.constantFrom('gpt-4o-mini', 'whisper-1', 'evil'), anyText(40))
  .map(
    ([model, text]) =>
      `--XyZ\r\nContent-Disposition: form-data; name="model"\r\n\r\n${model}\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n${text}\r\n--XyZ--\r\n`,
  )

const RELAY_CALLS = [
  '/relay/openai/v1/chat/completions',
  '/relay/openai/v1/responses',
  '/relay/openai/v1/audio/transcriptions',
  '/relay/anthropic/v1/messages',
  '/relay/google/v1beta/models/gemini-2.5-flash:generateContent',
  '/relay/google/v1beta/models/gemini-2.5-flash:streamGenerateContent',
]

const body = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 5, arbitrary: jsonBody },
  // Well-formed calls, so that a share of the cases passes every check and really goes upstream.
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '{"model":"gpt-4o-mini","messages":[]}',
      '{"model":"claude-sonnet-4-5","max_tokens":1}',
      // POST /users and POST /tokens (issue 20): an external user, scoped tokens by a user or the backend.
      '{"app_id":"fuzz","external_user_id":"fuzz-user"}',
      '{"providers":["openai"],"models":["gpt-4o*"],"origins":["https://app.example.com"],"expires_in":60}',
      '{"app_id":"fuzz","external_user_id":"fuzz-user","providers":["anthropic","nope"]}',
      // A capped token (and, posted with a capped token, a child that asks for a wider cap).
      '{"providers":["openai"],"cap":{"period":"day","max_requests":2,"max_output_tokens":50}}',
      '{"cap":{"period":"total","max_requests":1000000,"max_input_tokens":-1,"typo":1}}',
      // POST /connect/codes and POST /connect/token.
      `{"provider":"openai","redirect_uri":"https://app.example.com/cb","code_challenge":"${'A'.repeat(43)}","code_challenge_method":"S256"}`,
      `{"code":"${'B'.repeat(43)}","code_verifier":"${'v'.repeat(43)}","redirect_uri":"https://app.example.com/cb"}`,
    ),
  },
  { weight: 1, arbitrary: multipart },
  { weight: 1, arbitrary: anyText(200) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 6_000 }).map((n) => 'x'.repeat(n)) },
)

describe('hostile input (property-based)', () => {
  let upstream: FaultUpstream
  let app: FastifyInstance
  let token: string
  /** Minted from `token` with a small cap: relay calls through it reserve, spend and run out of its allowance. */
  let capped: string
  let origin: string
  const tokens: string[] = []
  const logged: string[] = []

  beforeAll(async () => {
    upstream = await startFaultUpstream()
    const config = loadConfig({
      ENCRYPTION_SECRET,
      APP_SECRET,
      DB_PATH: ':memory:',
      LOG_LEVEL: 'trace',
      REQUEST_BODY_LIMIT_BYTES: '4096',
      ALLOWED_MODELS: 'gpt-4o*,claude-*,gemini-*,whisper-1',
      ALLOWED_ORIGINS: 'https://app.example.com',
      UPSTREAM_TIMEOUT_MS: '2000',
      ...NO_LIMITS,
      ...Object.fromEntries(
        ['OPENAI', 'ANTHROPIC', 'GOOGLE', 'OPENAI_COMPATIBLE', 'DEEPGRAM', 'ELEVENLABS'].map((id) => [
          `${id}_BASE_URL`,
          upstream.origin,
        ]),
      ),
    })
    app = await buildApp(config, { logSink: { write: (line) => void logged.push(line) } })
    await app.listen({ host: '127.0.0.1', port: 0 })
    origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
    token = await createUser(origin, STORED)
    capped = await mintCapped(token)
    tokens.push(token, capped)
  })

  async function mintCapped(from: string): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/tokens',
      headers: { 'x-relay-token': from },
      payload: { cap: { period: 'day', max_requests: 20, max_output_tokens: 200 } },
    })
    expect(res.statusCode, res.body).toBe(200)
    return (JSON.parse(res.body) as { token: string }).token
  }

  afterAll(async () => {
    await app?.close()
    await upstream?.close()
  })

  it(`answers ${CASES} random requests without a 5xx, a crash or a malformed error body`, async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    const statuses = new Map<number, number>()
    let capRefusals = 0
    const started = performance.now()
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
          path(() => token),
          query,
          fc.record(
            {
              'x-relay-token': fc.oneof(
                { weight: 4, arbitrary: fc.constant('VALID') },
                { weight: 2, arbitrary: fc.constant('CAPPED') },
                { weight: 1, arbitrary: ascii(50) },
                { weight: 1, arbitrary: fc.constant('byok_rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') },
              ),
              authorization: fc.oneof(
                fc.constant('Bearer VALID'),
                fc.constant(`Bearer ${APP_SECRET}`),
                ascii(40),
                fc.constant('Token VALID'),
              ),
              'x-api-key': fc.oneof(fc.constant('VALID'), ascii(40)),
              'x-goog-api-key': ascii(40),
              'content-type': contentType,
              'content-encoding': fc.constantFrom('identity', 'identity', 'identity', 'gzip', 'x'),
              origin: fc.constantFrom('https://app.example.com', 'https://evil.example', 'null'),
              'access-control-request-method': fc.constantFrom('POST', 'GET', 'DELETE', 'X'),
              'x-relay-base-url': fc.constantFrom(
                'https://example.com',
                'http://169.254.169.254',
                'ftp://x',
                '',
              ),
              accept: fc.constantFrom('text/event-stream', '*/*', 'application/json'),
              'transfer-encoding': fc.constantFrom('chunked'),
            },
            { requiredKeys: [] },
          ),
          fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), ascii(30), { maxKeys: 3 }),
          body,
          // 3 cases in 10 are aimed at the forwarding path: POST, an inference path, a valid token.
          fc.oneof(
            { weight: 7, arbitrary: fc.constant(null) },
            { weight: 3, arbitrary: fc.constantFrom(...RELAY_CALLS) },
          ),
          fc.constantFrom('VALID', 'CAPPED'),
          async (anyMethod, anyPath, q, anyHeaders, extra, payload, aimed, aimedToken) => {
            const method = aimed ? 'POST' : anyMethod
            const p = aimed ?? anyPath
            const headers = aimed ? { ...anyHeaders, 'x-relay-token': aimedToken } : anyHeaders
            const withToken = Object.fromEntries(
              Object.entries({ ...extra, ...headers }).map(([k, v]) => [
                k,
                v.replace('VALID', token).replace('CAPPED', capped),
              ]),
            )
            // inject() parses the URL with WHATWG rules: a leading `//` or `/\` would become a host.
            const url = (p.includes('?') ? p : p + q).replace(/^\/[\\/]+/, '/')
            const res = await app.inject({
              method: method as 'GET',
              url,
              headers: withToken,
              ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload }),
            })
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
            if (res.statusCode === 429 && res.body.includes('"token_cap_exceeded"')) capRefusals++
            // Minted tokens join the leak search below.
            if (res.statusCode === 200 && /^\/(tokens|connect\/token)(\?|$)/.test(url) && method === 'POST') {
              tokens.push((JSON.parse(res.body) as { token: string }).token)
            }
            // Connect codes are one-time secrets too.
            if (res.statusCode === 200 && /^\/connect\/codes(\?|$)/.test(url) && method === 'POST') {
              tokens.push((JSON.parse(res.body) as { code: string }).code)
            }
            // A case that erased the user or revoked the token: the next cases get a fresh user.
            if (res.statusCode === 200 && /^\/(users|tokens\/revoke)(\?|$)/.test(url) && method !== 'GET') {
              token = await createUser(origin, STORED)
              capped = await mintCapped(token)
              tokens.push(token, capped)
            }
            const relayPath = url.startsWith('/relay')
            const serverError = res.statusCode >= 500 && !(relayPath && [502, 504].includes(res.statusCode))
            if (serverError) throw new Error(`${res.statusCode} for ${method} ${url}: ${res.body}`)
            if (res.statusCode >= 400 && method !== 'HEAD') {
              let parsed: unknown
              try {
                parsed = JSON.parse(res.body)
              } catch {
                throw new Error(`non-JSON ${res.statusCode} for ${method} ${url}: ${res.body.slice(0, 200)}`)
              }
              if (!isErrorShape(parsed))
                throw new Error(`bad error body for ${method} ${url}: ${res.body.slice(0, 300)}`)
            }
          },
        ),
        { numRuns: CASES, seed: Number(process.env.FUZZ_SEED ?? 20_251_126) },
      )
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    const elapsed = performance.now() - started
    const health = await app.inject({ method: 'GET', url: '/health' })
    const crashes = logged.filter((line) => line.includes('unhandled error'))
    // The fuzzer sends tokens and keys in every header and in query strings; none may reach the (trace) log.
    const log = logged.join('\n')
    const leaked = [...tokens, ...Object.values(STORED), APP_SECRET, ENCRYPTION_SECRET].filter(
      (secret) => log.includes(secret) || log.includes(secret.slice(8, 24)),
    )
    console.log(
      `[reliability] fuzzer: ${CASES} cases in ${Math.round(elapsed)} ms, statuses ${[...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, c]) => `${s}×${c}`)
        .join(
          ' ',
        )} (${upstream.hits.length} reached the upstream, ${capRefusals} refused by the capped token's cap); 0 unexpected 5xx, ${unhandled.length} unhandled rejections, ${crashes.length} internal errors logged, ${leaked.length} secrets in ${logged.length} trace-level log lines`,
    )
    expect(unhandled).toEqual([])
    // The capped token's allowance ran out at least once, so the reserve/settle/refuse path was fuzzed.
    expect(capRefusals).toBeGreaterThan(0)
    expect(crashes).toEqual([])
    expect(leaked).toEqual([])
    expect(health.statusCode).toBe(200)
  })
})
