import { closedPortOrigin } from '@byok/test-kit'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { findProvider, PROVIDER_IDS, type ProviderId } from '../../src/index.js'
import { buildTestApp, expectErrorShape, registerUser, SAMPLE_KEYS, storeKey } from '../helpers.js'
import {
  allBaseUrls,
  firstPostRoute,
  json,
  NO_LIMITS,
  startUpstream,
  type UpstreamServer,
} from '../upstream-server.js'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())
beforeEach(() => up.reset())

/** Another well-formed key for the same provider (same shape, different last characters). */
const newKeyFor = (id: ProviderId): string => `${SAMPLE_KEYS[id].slice(0, -4)}WXYZ`

async function setup(id: ProviderId, env: Record<string, string> = {}) {
  const app = await buildTestApp({ ...NO_LIMITS, ...allBaseUrls(up.origin), ...env })
  const token = await registerUser(app)
  await storeKey(app, token, id, SAMPLE_KEYS[id])
  const rotate = (key: string) =>
    app.inject({
      method: 'POST',
      url: `/keys/${id}/rotate`,
      headers: { 'x-relay-token': token },
      payload: { key },
    })
  return { app, token, rotate }
}

/** Makes one relay call and returns the auth header value the provider received. */
async function keySentUpstream(
  app: FastifyInstance,
  token: string,
  id: ProviderId,
): Promise<string | undefined> {
  up.reset()
  const [method, path] = firstPostRoute(id)
  const res = await app.inject({
    method,
    url: `/relay/${id}${path}`,
    headers: { 'x-relay-token': token, 'content-type': 'application/json' },
    payload: '{}',
  })
  expect(res.statusCode, res.body).toBe(200)
  expect(up.requests).toHaveLength(1)
  return up.requests[0]!.headers[findProvider(id)!.auth.header] as string | undefined
}

const bearer = (key: string) => `Bearer ${key}`

describe('POST /keys/openai/rotate', () => {
  it('200 when the provider accepts the new key; relay calls then carry it', async () => {
    const { app, token, rotate } = await setup('openai')
    const fresh = newKeyFor('openai')
    up.respond(json(200, { object: 'list', data: [] }))
    const res = await rotate(fresh)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ ok: true, provider: 'openai', rotated: true })
    expect(up.requests).toHaveLength(1)
    const verify = up.requests[0]!
    expect(`${verify.method} ${verify.url}`).toBe('GET /v1/models')
    expect(verify.headers.authorization).toBe(bearer(fresh))
    expect(JSON.stringify(verify.headers)).not.toContain(token)
    expect(await keySentUpstream(app, token, 'openai')).toBe(bearer(fresh))
  })

  it('422 key_rejected when the provider answers 401; the old key is kept', async () => {
    const { app, token, rotate } = await setup('openai')
    const fresh = newKeyFor('openai')
    up.respond(json(401, { error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } }))
    const body = expectErrorShape(await rotate(fresh), 422, 'key_rejected')
    expect(JSON.stringify(body)).not.toContain(fresh)
    expect(up.requests[0]?.headers.authorization).toBe(bearer(fresh))
    expect(await keySentUpstream(app, token, 'openai')).toBe(bearer(SAMPLE_KEYS.openai))
  })

  it('502 when the provider is unreachable; the old key is kept', async () => {
    const { app, token, rotate } = await setup('openai', { OPENAI_BASE_URL: await closedPortOrigin() })
    expectErrorShape(await rotate(newKeyFor('openai')), 502, 'upstream_unreachable')
    const listing = await app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
    expect(listing.json<{ keys: { hint: string }[] }>().keys[0]?.hint).toBe(
      `…${SAMPLE_KEYS.openai.slice(-4)}`,
    )
  })

  it.each([429, 500, 503])(
    '502 when verification answers %i (nothing learned); the old key is kept',
    async (status) => {
      const { app, token, rotate } = await setup('openai')
      up.respond(json(status, { error: 'busy' }))
      expectErrorShape(await rotate(newKeyFor('openai')), 502, 'upstream_unreachable')
      expect(await keySentUpstream(app, token, 'openai')).toBe(bearer(SAMPLE_KEYS.openai))
    },
  )

  it('refuses a malformed new key without calling the provider', async () => {
    const { rotate } = await setup('openai')
    expectErrorShape(await rotate('not-an-openai-key'), 400, 'key_invalid')
    expect(up.requests).toEqual([])
  })
})

describe.each(PROVIDER_IDS)('POST /keys/%s/rotate', (id) => {
  const provider = findProvider(id)!

  it("verifies with the provider's cheap request and the new key", async () => {
    const { app, token, rotate } = await setup(id)
    const fresh = newKeyFor(id)
    expect(provider.keyFormat.pattern.test(fresh)).toBe(true)
    const res = await rotate(fresh)
    expect(res.statusCode, res.body).toBe(200)
    expect(res.json()).toEqual({ ok: true, provider: id, rotated: true })
    expect(up.requests).toHaveLength(1)
    const verify = up.requests[0]!
    expect(`${verify.method} ${verify.url}`).toBe(`${provider.verify.method} ${provider.verify.path}`)
    expect(verify.headers[provider.auth.header]).toBe(`${provider.auth.prefix ?? ''}${fresh}`)
    if (provider.verify.body !== undefined)
      expect(JSON.parse(verify.body.toString())).toEqual(provider.verify.body)
    expect(await keySentUpstream(app, token, id)).toBe(`${provider.auth.prefix ?? ''}${fresh}`)
  })
})
