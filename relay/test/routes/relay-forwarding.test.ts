import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { findProvider, PROVIDER_IDS, type ProviderId } from '../../src/index.js'
import { buildTestApp, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import {
  allBaseUrls,
  firstPostRoute,
  json,
  NO_LIMITS,
  type RecordedRequest,
  startUpstream,
  type UpstreamServer,
} from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

// Odd but valid JSON: tabs, CRLF, spaces before colons, an escaped and a raw non-ASCII character, trailing space.
const ODD_JSON = Buffer.from(
  '{ "model" :\t"gemini-2.5-flash" ,\r\n\n  "messages":[ {"role" : "user","content":"h\\u00e9llo é ✓"} ],"n":1.50 }\r\n  ',
)
const BOUNDARY = '----byokBoundary7MA4YWxkTrZu0gW'
// A multipart body with every byte value in its file part: any re-encoding would show.
const MULTIPART = Buffer.concat([
  Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  ),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
])
const BODIES = {
  json: { body: ODD_JSON, type: 'application/json' },
  multipart: { body: MULTIPART, type: `multipart/form-data; boundary=${BOUNDARY}` },
} as const

// Credentials a client might send; none may reach a provider (SPEC §3.2).
const CLIENT_SECRETS = {
  authorization: 'Bearer client-authorization-secret',
  'x-api-key': 'client-x-api-key-secret',
  'x-goog-api-key': 'client-goog-secret',
  'xi-api-key': 'client-xi-secret',
  cookie: 'session=client-cookie-secret',
}
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'xi-api-key', 'cookie']

// What a provider answers: headers that matter, plus ones that must stop at the relay.
const UPSTREAM_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'x-request-id': 'req_upstream_123',
  'x-ratelimit-remaining-requests': '99',
  'anthropic-ratelimit-requests-remaining': '49',
  'set-cookie': 'upstream_session=secret; HttpOnly',
  'access-control-allow-origin': 'https://evil.example',
  'access-control-allow-credentials': 'true',
  'access-control-expose-headers': 'x-upstream-private',
  'keep-alive': 'timeout=99',
  'proxy-authenticate': 'Basic realm="upstream"',
  'x-upstream-private': 'internal-host-17',
}
const UPSTREAM_BODY = '{"id":"chatcmpl-1", "object" : "chat.completion"}\n'

async function setup(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; token: string }> {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), ...env })
  const token = await registerUser(app)
  for (const id of PROVIDER_IDS) await storeKey(app, token, id, SAMPLE_KEYS[id])
  return { app, token }
}

function onlyRequest(): RecordedRequest {
  expect(up.requests).toHaveLength(1)
  return up.requests[0]!
}

/** The recorded request as one string, for "this secret appears nowhere" checks. */
function wire(req: RecordedRequest): string {
  return `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${req.body.toString('latin1')}`
}

const cases = PROVIDER_IDS.flatMap((id) =>
  (['json', 'multipart'] as const).map((kind) => [id, kind] as const),
)

describe.each(cases)('POST /relay/%s/* with a %s body', (id: ProviderId, kind) => {
  const provider = findProvider(id)!
  const [method, path] = firstPostRoute(id)
  const { body, type } = BODIES[kind]

  it('reaches the provider unchanged, with only the stored key', async () => {
    const { app, token } = await setup()
    up.respond(json(200, {}))
    const res = await app.inject({
      method,
      url: `/relay/${id}${path}?alt=sse&key=client-secret&api_key=client-secret-2`,
      headers: { ...CLIENT_SECRETS, 'x-relay-token': token, 'content-type': type, 'x-stainless-lang': 'js' },
      payload: body,
    })
    expect(res.statusCode, res.body).toBe(200)

    const seen = onlyRequest()
    expect(seen.method).toBe(method)
    expect(seen.url).toBe(`${path}?alt=sse`)
    expect(seen.body.equals(body)).toBe(true)
    expect(seen.headers['content-type']).toBe(type)
    expect(seen.headers['x-stainless-lang']).toBe('js')
    expect(seen.headers[provider.auth.header]).toBe(`${provider.auth.prefix ?? ''}${SAMPLE_KEYS[id]}`)
    for (const [name, value] of Object.entries(provider.defaultHeaders ?? {}))
      expect(seen.headers[name]).toBe(value)
    for (const name of CREDENTIAL_HEADERS.filter((h) => h !== provider.auth.header))
      expect(seen.headers[name], name).toBeUndefined()
    expect(seen.headers['x-relay-token']).toBeUndefined()
    const all = wire(seen)
    expect(all).not.toContain(token)
    expect(all).not.toContain('client-')
  })
})

describe('responses', () => {
  it('relay the status, body and headers that matter, and drop the rest', async () => {
    const { app, token } = await setup()
    up.respond((_req, res) => {
      res.writeHead(201, UPSTREAM_HEADERS)
      res.end(UPSTREAM_BODY)
    })
    const res = await app.inject({
      method: 'POST',
      url: '/relay/anthropic/v1/messages',
      headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      payload: '{"model":"claude-x"}',
    })
    expect(res.statusCode).toBe(201)
    expect(res.body).toBe(UPSTREAM_BODY)
    expect(res.headers).toMatchObject({
      'content-type': 'application/json; charset=utf-8',
      'x-request-id': 'req_upstream_123',
      'x-ratelimit-remaining-requests': '99',
      'anthropic-ratelimit-requests-remaining': '49',
    })
    for (const name of ['set-cookie', 'access-control-allow-credentials', 'keep-alive', 'proxy-authenticate'])
      expect(res.headers[name], name).toBeUndefined()
    expect(res.headers['access-control-allow-origin']).not.toBe('https://evil.example')
    expect(JSON.stringify(res.headers)).not.toMatch(/x-upstream-private|internal-host-17|upstream_session/)
  })

  it.each([
    [400, { error: { message: 'Invalid "messages"', type: 'invalid_request_error' } }],
    [401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } }],
    [429, { error: { message: 'Rate limit reached', type: 'requests' } }],
    [500, { error: { message: 'The server had an error', type: 'server_error' } }],
  ])('relay an upstream %i with its body unchanged', async (status, payload) => {
    const { app, token } = await setup()
    const raw = ` ${JSON.stringify(payload, null, 1)}\n`
    up.respond((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json', 'retry-after': '7' })
      res.end(raw)
    })
    const res = await app.inject({
      method: 'POST',
      url: '/relay/openai/v1/chat/completions',
      headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      payload: '{"model":"gpt-4o-mini"}',
    })
    expect(res.statusCode).toBe(status)
    expect(res.body).toBe(raw)
    expect(res.headers['retry-after']).toBe('7')
    expect(up.requests).toHaveLength(1)
  })
})

describe('operator base URLs', () => {
  it('append the forwarded path to a base URL with a path prefix', async () => {
    const { app, token } = await setup({ OPENAI_BASE_URL: `${up.origin}/gateway/openai/` })
    const res = await app.inject({
      method: 'POST',
      url: '/relay/openai/v1/embeddings',
      headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      payload: '{"model":"text-embedding-3-small","input":"x"}',
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(onlyRequest().url).toBe('/gateway/openai/v1/embeddings')
  })

  // Issue 17 item 8: `?KEY=` and `?Api_Key=` used to reach the provider (only lower-case names were stripped).
  it.each([
    ['lower-case', 'pageSize=5&key=client-secret'],
    [
      'any case',
      'KEY=client-1&pageSize=5&Api_Key=client-2&APIKEY=client-3&Access_Token=client-4&Token=client-5&X-Goog-Api-Key=client-6',
    ],
  ])(
    'carry GET inference calls (no body) with the stored key, credential parameters (%s) stripped',
    async (_case, query) => {
      const { app, token } = await setup()
      const res = await app.inject({
        method: 'GET',
        url: `/relay/google/v1beta/models?${query}`,
        headers: { 'x-goog-api-key': token },
      })
      expect(res.statusCode, res.body).toBe(200)
      const seen = onlyRequest()
      expect(seen.url).toBe('/v1beta/models?pageSize=5')
      expect(seen.body.length).toBe(0)
      expect(seen.headers['x-goog-api-key']).toBe(SAMPLE_KEYS.google)
      expect(wire(seen)).not.toContain('client-')
    },
  )
})
