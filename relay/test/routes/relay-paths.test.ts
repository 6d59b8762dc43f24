import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildApp, findProvider, loadConfig, PROVIDER_IDS, type ProviderId } from '../../src/index.js'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS, storeKey, testEnv } from '../helpers.js'
import {
  allBaseUrls,
  instantiateRoute,
  NO_LIMITS,
  rawRequest,
  startUpstream,
  type UpstreamServer,
} from '../upstream-server.js'

let up: UpstreamServer
// One listening relay with a key for every provider, shared by the (stateless) tables below: hundreds of cases.
let app: FastifyInstance
let token: string
beforeAll(async () => {
  up = await startUpstream()
  app = await buildApp(loadConfig(testEnv({ ...NO_LIMITS, ...allBaseUrls(up.origin) })))
  token = await registerUser(app)
  for (const id of PROVIDER_IDS) await storeKey(app, token, id, SAMPLE_KEYS[id])
  await app.listen({ port: 0, host: '127.0.0.1' })
})
afterAll(async () => {
  await app.close()
  await up.close()
})
beforeEach(() => up.reset())

// Account, billing, file and fine-tuning endpoints: never inference, for any provider.
const FORBIDDEN_EVERYWHERE = [
  'GET /v1/files',
  'POST /v1/files',
  'POST /v1/fine_tuning/jobs',
  'GET /v1/organization/billing',
  'DELETE /v1/models/ft:x',
  'POST /v1/assistants',
  'GET /dashboard/billing/usage',
  'POST /v1/batches',
]
// Each provider's own management endpoints, under the prefixes its inference paths use.
const FORBIDDEN_BY_PROVIDER: Record<ProviderId, string[]> = {
  openai: [
    'GET /v1/organization/admin_api_keys',
    'POST /v1/uploads',
    'POST /v1/vector_stores',
    'GET /v1/chat/completions',
  ],
  anthropic: ['POST /v1/messages/batches', 'GET /v1/organizations/api_keys', 'GET /v1/messages'],
  google: [
    'GET /v1beta/files',
    'POST /upload/v1beta/files',
    'POST /v1beta/cachedContents',
    'POST /v1beta/tunedModels',
  ],
  groq: ['GET /openai/v1/files', 'POST /openai/v1/batches', 'POST /v1/chat/completions'],
  openrouter: ['GET /api/v1/key', 'GET /api/v1/credits', 'POST /api/v1/keys', 'GET /api/v1/activity'],
  mistral: ['POST /v1/batch/jobs', 'POST /v1/agents', 'DELETE /v1/models/ft:mistral:x'],
  deepseek: ['GET /user/balance', 'GET /v1/user/balance'],
  xai: ['GET /v1/api-key', 'POST /v1/messages/batches'],
  together: ['POST /v1/files/upload', 'POST /v1/fine-tunes', 'POST /v1/endpoints'],
  fireworks: ['GET /v1/accounts/x/models', 'POST /v1/accounts/x/deployedModels', 'GET /inference/v1/files'],
  perplexity: ['GET /v1/models', 'GET /async/chat/completions'],
  cerebras: ['GET /v1/usage'],
  elevenlabs: ['GET /v1/user', 'GET /v1/user/subscription', 'GET /v1/history', 'POST /v1/voices/add'],
  deepgram: ['GET /v1/projects', 'GET /v1/projects/x/keys', 'POST /v1/projects/x/keys'],
  huggingface: ['GET /api/whoami-v2', 'POST /api/repos/create', 'POST /hf-inference/models/a/b/c'],
  'openai-compatible': ['GET /api/tags', 'POST /api/pull', 'DELETE /api/delete'],
}

describe('the inference allowlist', () => {
  const allowed = PROVIDER_IDS.flatMap((id) => findProvider(id)!.routes.map((route) => [id, route] as const))

  it.each(allowed)('%s: %s is forwarded to exactly that path', async (id, route) => {
    const [method, path] = instantiateRoute(route)
    const res = await app.inject({
      method,
      url: `/relay/${id}${path}`,
      headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { payload: '{}' }),
    })
    expect(res.statusCode, res.body).toBe(200)
    expect(up.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`${method} ${path}`])
  })

  const forbidden = PROVIDER_IDS.flatMap((id) => [
    ...[...FORBIDDEN_EVERYWHERE, ...FORBIDDEN_BY_PROVIDER[id]].map((route) => [id, route] as const),
    // Every allowed path under a method no provider allows.
    ...findProvider(id)!.routes.flatMap((route) => {
      const [, path] = instantiateRoute(route)
      return ['PUT', 'PATCH', 'DELETE'].map((method) => [id, `${method} ${path}`] as const)
    }),
  ])

  it.each(forbidden)('%s: %s → 403 path_forbidden, nothing sent upstream', async (id, route) => {
    const [method, path] = route.split(' ') as [string, string]
    const res = await app.inject({
      method,
      url: `/relay/${id}${path}`,
      headers: { 'x-relay-token': token, 'content-type': 'application/json' },
      ...(method === 'GET' ? {} : { payload: '{}' }),
    })
    expectErrorShape(res, 403, 'path_forbidden')
    expect(up.requests).toEqual([])
  })
})

describe('forbidden paths spend no quota', () => {
  it('ten refusals, then an allowed call still passes; the next one is over the limit', async () => {
    const limited = await buildTestApp({
      ...allBaseUrls(up.origin),
      RATE_LIMIT_RELAY_PER_MIN: '1',
      RATE_LIMIT_GLOBAL_PER_MIN: '2',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
    })
    // Setup from another address, so that it does not spend the caller's global quota.
    const setupIp = { remoteAddress: '10.9.9.9' }
    const user = await limited.inject({ method: 'POST', url: '/users', payload: { app_id: 'a' }, ...setupIp })
    const caller = user.json<{ token: string }>().token
    const stored = await limited.inject({
      method: 'POST',
      url: '/keys/openai',
      headers: { 'x-relay-token': caller },
      payload: { key: SAMPLE_KEYS.openai },
      ...setupIp,
    })
    expect(stored.statusCode).toBe(200)

    const call = (method: 'GET' | 'POST' | 'DELETE', path: string) =>
      limited.inject({
        method,
        url: `/relay/openai${path}`,
        headers: { 'x-relay-token': caller, 'content-type': 'application/json' },
        ...(method === 'POST' ? { payload: '{"model":"gpt-4o-mini"}' } : {}),
        remoteAddress: '10.1.1.1',
      })
    const refused: ['GET' | 'POST' | 'DELETE', string][] = [
      ['GET', '/v1/files'],
      ['POST', '/v1/files'],
      ['POST', '/v1/fine_tuning/jobs'],
      ['GET', '/v1/fine_tuning/jobs'],
      ['GET', '/v1/organization/billing'],
      ['DELETE', '/v1/models/ft:x'],
      ['POST', '/v1/assistants'],
      ['GET', '/v1/assistants'],
      ['GET', '/dashboard/billing/usage'],
      ['POST', '/v1/chat/completions/../files'],
    ]
    for (const [method, path] of refused) expectErrorShape(await call(method, path), 403, 'path_forbidden')

    const ok = await call('POST', '/v1/chat/completions')
    expect(ok.statusCode, ok.body).toBe(200)
    expect(ok.headers['ratelimit-remaining']).toBe('0')
    expectErrorShape(await call('POST', '/v1/chat/completions'), 429, 'rate_limited')
    expect(up.requests.map((r) => r.url)).toEqual(['/v1/chat/completions'])
  })
})

// Sent over a real socket exactly as written: inject() would resolve dot segments and backslashes first.
const TRAVERSAL = [
  '/v1/chat/completions/../files',
  '/v1/chat/completions/../../v1/files',
  '/v1/chat/%2e%2e/files',
  '/v1/chat/%2E%2E/files',
  '/v1/%2E%2E/files',
  '/v1/chat/.%2e/files',
  '/v1/chat/completions%2f..%2ffiles',
  '/v1/chat/completions%2F..%2Ffiles',
  '/v1/%252e%252e/files',
  '/v1/chat/%252e%252e/%252e%252e/files',
  '/v1\\files',
  '/v1/chat/completions\\..\\files',
  '/v1%5cfiles',
  '/v1/chat/completions%5C..%5Cfiles',
  '//v1/chat/completions',
  '/v1//chat/completions',
  '/./v1/chat/completions',
  '/v1/./chat/completions',
  '/v1/chat/completions/',
  '/v1/chat/completions/.',
  '/v1/chat/completions%00',
  '/v1/chat/completions%00/../files',
  '/v1/chat/completions%0a',
  '/v1/chat/completions;/../files',
  '/v1/files;/chat/completions',
  '/v1/chat/completions;.json',
  '/v1/%c0%ae%c0%ae/files',
  '/v1/chat/%c0%ae/completions',
  '/v1/chat/completions%',
  '/v1/chat/completions%ff',
  '/V1/chat/completions',
  '/v1/CHAT/COMPLETIONS',
  '/v1/Chat/Completions',
  '/v1/files%3f/chat/completions',
  '/v1/files%23/chat/completions',
  '/v1/chat/completions%20',
  '/v1/chat/completions.',
  '/%2e/v1/chat/completions',
  '/v1/chat/completions%2e%2e',
]

describe('path traversal and encoding tricks', () => {
  it('has at least 20 cases', () => {
    expect(TRAVERSAL.length).toBeGreaterThanOrEqual(20)
  })

  it('sanity: the plain path goes through over the same socket path', async () => {
    const res = await rawRequest(app, 'POST', '/relay/openai/v1/chat/completions', { 'x-relay-token': token })
    expect(res.status).toBe(200)
    expect(up.requests.map((r) => r.url)).toEqual(['/v1/chat/completions'])
  })

  it.each(TRAVERSAL)('POST /relay/openai%s → 403 path_forbidden, nothing sent upstream', async (path) => {
    const res = await rawRequest(
      app,
      'POST',
      `/relay/openai${path}`,
      { 'x-relay-token': token, 'content-type': 'application/json' },
      Buffer.from('{"model":"gpt-4o-mini"}'),
    )
    expect(res.status, res.body).toBe(403)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'path_forbidden', error: expect.any(String) })
    expect(up.requests).toEqual([])
    expect(up.connections()).toBe(0)
  })
})
