import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, expectErrorShape, SAMPLE_KEYS, storeKey } from './helpers.js'
import { allBaseUrls, NO_LIMITS, startUpstream, type UpstreamServer } from './upstream-server.js'

const APP_SECRET = 'app-secret-0123456789abcdef'
const METRICS_TOKEN = 'metrics-token-0123456789abcdef'

let up: UpstreamServer
beforeAll(async () => {
  up = await startUpstream()
})
afterAll(() => up.close())

// One rule for every credential (plugins/auth.ts): the Authorization scheme matches whatever its case and the
// whitespace after it, the credential is trimmed. Before, APP_SECRET and METRICS_TOKEN wanted exactly "Bearer ".
describe('credential headers', () => {
  const schemes = ['bearer', 'BEARER\t']

  it.each(schemes)('take the scheme %j for APP_SECRET, METRICS_TOKEN and the relay token', async (scheme) => {
    const app = await buildTestApp({
      ...NO_LIMITS,
      ...allBaseUrls(up.origin),
      APP_SECRET,
      METRICS_TOKEN,
    })
    const as = (credential: string) => ({ authorization: `${scheme} ${credential} ` })
    const users = await app.inject({
      method: 'POST',
      url: '/users',
      headers: as(APP_SECRET),
      payload: { app_id: 'a' },
    })
    expect(users.statusCode, 'POST /users').toBe(200)
    const token = users.json<{ token: string }>().token
    await storeKey(app, token, 'openai', SAMPLE_KEYS.openai)
    const calls: [string, InjectOptions][] = [
      ['GET /stats/:app_id', { method: 'GET', url: '/stats/a', headers: as(APP_SECRET) }],
      ['GET /metrics', { method: 'GET', url: '/metrics', headers: as(METRICS_TOKEN) }],
      ['GET /relay/openai/v1/models', { method: 'GET', url: '/relay/openai/v1/models', headers: as(token) }],
    ]
    for (const [label, call] of calls) expect((await app.inject(call)).statusCode, label).toBe(200)
  })

  it('refuse another scheme for the same secrets', async () => {
    const app = await buildTestApp({ APP_SECRET, METRICS_TOKEN })
    const basic = (secret: string) => ({ authorization: `Basic ${secret}` })
    const statsCall = { method: 'GET', url: '/stats/a', headers: basic(APP_SECRET) } as const
    expectErrorShape(await app.inject(statsCall), 401, 'app_secret_invalid')
    const metricsCall = { method: 'GET', url: '/metrics', headers: basic(METRICS_TOKEN) } as const
    expectErrorShape(await app.inject(metricsCall), 401, 'metrics_token_invalid')
  })
})
