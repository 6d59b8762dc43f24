import { describe, expect, it } from 'vitest'
import { createClientKey } from '../src/plugins/client-key.js'
import { buildTestApp, expectErrorShape } from './helpers.js'

// Issue 17 item 8: per-IP limits keyed IPv6 clients by full address, and a subscriber holds a whole /64.
describe('createClientKey', () => {
  it.each([
    [64, '203.0.113.7', '203.0.113.7'],
    [64, '::ffff:203.0.113.7', '203.0.113.7'],
    [64, '2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    [64, '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    [64, '2001:db8:1:3::1', '2001:db8:1:3::/64'],
    [64, 'fe80::1%eth0', 'fe80::/64'],
    [48, '2001:db8:1:2::1', '2001:db8:1::/48'],
    [56, '2001:db8:1:2ff::1', '2001:db8:1:200::/56'],
    [128, '2001:db8::1', '2001:db8::1/128'],
  ])('/%i: %s → %s', (prefix, ip, key) => {
    expect(createClientKey(prefix)(ip)).toBe(key)
  })
})

describe('per-IP limits and IPv6', () => {
  const hit = (app: Awaited<ReturnType<typeof buildTestApp>>, remoteAddress: string) =>
    app.inject({ method: 'GET', url: '/version', remoteAddress })

  it('counts every address of one /64 against one quota (RATE_LIMIT_IPV6_PREFIX default)', async () => {
    const app = await buildTestApp({ RATE_LIMIT_GLOBAL_PER_MIN: '2' })
    expect((await hit(app, '2001:db8:1:2::a')).statusCode).toBe(200)
    expect((await hit(app, '2001:db8:1:2::b')).statusCode).toBe(200)
    expectErrorShape(await hit(app, '2001:db8:1:2:dead:beef:0:1'), 429, 'rate_limited')
    // Another /64 has its own quota.
    expect((await hit(app, '2001:db8:1:3::a')).statusCode).toBe(200)
  })

  it('keys by the prefix length the operator sets', async () => {
    const app = await buildTestApp({ RATE_LIMIT_GLOBAL_PER_MIN: '1', RATE_LIMIT_IPV6_PREFIX: '128' })
    expect((await hit(app, '2001:db8:1:2::a')).statusCode).toBe(200)
    expect((await hit(app, '2001:db8:1:2::b')).statusCode).toBe(200)
    expectErrorShape(await hit(app, '2001:db8:1:2::b'), 429, 'rate_limited')
  })
})
