import { describe, expect, it } from 'vitest'
import { type AppDeps, buildApp, ConfigError, loadConfig } from '../src/index.js'
import { buildTestApp, expectErrorShape, registerUser, testEnv } from './helpers.js'

// The relay never imports @byok/mcp: these tests mount a stand-in through the same hook the CLI uses.
const standIn: NonNullable<AppDeps['mcpRoutes']> = (app) => {
  app.post('/mcp', async () => ({ mounted: true }))
}

describe('MCP_HTTP and the mcpRoutes hook', () => {
  it.each([
    ['on', true],
    ['ON', true],
    ['true', true],
    ['1', true],
    ['off', false],
    ['0', false],
    ['', false],
    [undefined, false],
  ])('MCP_HTTP=%s parses to %s', (value, http) => {
    expect(loadConfig(testEnv({ MCP_HTTP: value })).mcp).toEqual({ http })
  })

  it('rejects anything else, naming the variable', () => {
    expect(() => loadConfig(testEnv({ MCP_HTTP: 'yes please' }))).toThrow(
      'MCP_HTTP: must be on or off (got "yes please")',
    )
  })

  it('mounts the routes only when MCP_HTTP=on, behind the relay hooks', async () => {
    const off = await buildTestApp({}, { mcpRoutes: standIn })
    expectErrorShape(await off.inject({ method: 'POST', url: '/mcp', payload: {} }), 404, 'not_found')

    const on = await buildTestApp({ MCP_HTTP: 'on' }, { mcpRoutes: standIn })
    const res = await on.inject({ method: 'POST', url: '/mcp', payload: {} })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ mounted: true })
    // The relay's global per-IP limiter and security headers apply to the mounted route too.
    expect(res.headers['ratelimit-limit']).toBeDefined()
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    // Its shadow router answers other methods with the catalogue's 405.
    const get = expectErrorShape(await on.inject({ method: 'GET', url: '/mcp' }), 405, 'method_not_allowed')
    expect(get.hint).toBe('Use POST.')
    // The relay's own routes are untouched.
    expect((await registerUser(on)).startsWith('byok_rt_')).toBe(true)
  })

  it('refuses to start with MCP_HTTP=on when no MCP routes were given (the relay-only bin)', async () => {
    const attempt = buildApp(loadConfig(testEnv({ MCP_HTTP: 'on' })), {})
    await expect(attempt).rejects.toBeInstanceOf(ConfigError)
    await expect(attempt).rejects.toThrow(/MCP_HTTP: is on, but .*run it with `byok start`/)
  })
})
