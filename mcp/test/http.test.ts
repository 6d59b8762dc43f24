import { buildApp, loadConfig } from '@byok/relay'
import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMcpRoutes } from '../src/index.js'
import { call, connectHttp, type Fixture, KEYS, registerToken, startFixture, text } from './helpers.js'

let fx: Fixture
beforeAll(async () => {
  fx = await startFixture({ mcpHttp: true })
})
afterAll(() => fx.close())

// The remote set: no file-system tools, no register_user (the bearer token is the user), store_key without key_env.
const REMOTE_TOOLS = {
  relay_health: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  store_key: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  list_keys: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  delete_key: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  test_relay: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
} as const

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
}

/** An in-process relay with /mcp mounted, for inject() tests that need a clock or tight limits. */
function buildMcpApp(env: Record<string, string>, now?: () => number) {
  const config = loadConfig(
    {
      ENCRYPTION_SECRET: 'mcp-test-encryption-secret-0123456789',
      DB_PATH: ':memory:',
      LOG_LEVEL: 'silent',
      MCP_HTTP: 'on',
      ...env,
    },
    { mode: 'dev' },
  )
  return buildApp(config, { ...(now ? { now } : {}), mcpRoutes: createMcpRoutes() })
}

async function postMcp(headers: Record<string, string>): Promise<Response> {
  return fetch(`${fx.relay.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(INITIALIZE),
  })
}

describe('POST /mcp authentication', () => {
  it.each([
    ['no Authorization header', {}, 'token_missing'],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwdw==' }, 'token_missing'],
    ['an unknown token', { authorization: 'Bearer byok_rt_not-a-real-token' }, 'token_invalid'],
  ])('%s → 401 %s in the relay error shape', async (_what, headers, code) => {
    const res = await postMcp(headers)
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="byok"')
    const body = (await res.json()) as Record<string, unknown>
    expect(Object.keys(body).sort()).toEqual(['code', 'error', 'hint'])
    expect(body).toMatchObject({ code, error: expect.any(String), hint: expect.any(String) })
    if (code === 'token_missing') expect(body.hint).toMatch(/Authorization: Bearer <relay token>/)
  })

  it('an expired token → 401 token_expired (the relay’s own token check decides)', async () => {
    let now = Date.UTC(2030, 0, 1)
    const app = await buildMcpApp({ TOKEN_EXPIRY_DAYS: '1' }, () => now)
    try {
      const registered = await app.inject({ method: 'POST', url: '/users', payload: { app_id: 'x' } })
      const { token } = registered.json<{ token: string }>()
      const post = () =>
        app.inject({
          method: 'POST',
          url: '/mcp',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream' },
          payload: INITIALIZE,
        })
      const fresh = await post()
      expect(fresh.statusCode, fresh.body).toBe(200)
      expect(fresh.json()).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'byok' } } })
      now += 2 * 86_400_000
      const expired = await post()
      expect(expired.statusCode).toBe(401)
      expect(expired.json()).toMatchObject({ code: 'token_expired' })
    } finally {
      await app.close()
    }
  })

  it('the in-process relay calls behind /mcp are charged to the caller’s IP, not to 127.0.0.1', async () => {
    const app = await buildMcpApp({ RATE_LIMIT_GLOBAL_PER_MIN: '2' })
    try {
      const { token } = (
        await app.inject({
          method: 'POST',
          url: '/users',
          payload: { app_id: 'x' },
          remoteAddress: '10.0.0.9',
        })
      ).json<{ token: string }>()
      const init = await app.inject({
        method: 'POST',
        url: '/mcp',
        remoteAddress: '10.0.0.1',
        headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/event-stream' },
        payload: INITIALIZE,
      })
      expect(init.statusCode, init.body).toBe(200)
      // POST /mcp and its token check (GET /keys) spent 10.0.0.1's two requests; 10.0.0.2 still has both.
      const version = (remoteAddress: string) => app.inject({ method: 'GET', url: '/version', remoteAddress })
      expect((await version('10.0.0.1')).statusCode).toBe(429)
      expect((await version('10.0.0.2')).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  })

  it('GET and DELETE /mcp → 405 (stateless: no server-initiated stream, no session to end)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${fx.relay.url}/mcp`, { method })
      expect(res.status, method).toBe(405)
      expect(res.headers.get('allow')).toBe('POST')
      expect(await res.json()).toMatchObject({ code: 'method_not_allowed' })
    }
  })
})

describe('POST /mcp in the relay’s OpenAPI document', () => {
  it('is documented with bearer security and the relay’s token errors', async () => {
    const app = await buildMcpApp({})
    try {
      const res = await app.inject({ method: 'GET', url: '/openapi.json' })
      const doc = res.json<{
        paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>
      }>()
      const post = doc.paths['/mcp']?.post
      expect(post?.security).toEqual([{ bearerToken: [] }])
      expect(Object.keys(post?.responses ?? {}).sort()).toEqual(['200', '401', '403', '429', '500', '503'])
      expect(Object.keys(doc.paths['/mcp'] ?? {})).toEqual(['post'])
    } finally {
      await app.close()
    }
  })
})

describe('MCP over HTTP with a valid relay token', () => {
  let token: string
  let client: Client
  beforeAll(async () => {
    token = await registerToken(fx.relay.url)
    client = await connectHttp(fx.relay.url, token)
  })
  afterAll(() => client.close())

  it('lists the remote tool set with schemas and annotations, and no file-system tool', async () => {
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(Object.keys(REMOTE_TOOLS))
    for (const tool of tools) {
      expect(tool.inputSchema.type, tool.name).toBe('object')
      expect(tool.outputSchema?.type, tool.name).toBe('object')
      expect(tool.annotations, tool.name).toMatchObject(REMOTE_TOOLS[tool.name as keyof typeof REMOTE_TOOLS])
    }
    const storeKey = tools.find((t) => t.name === 'store_key')
    expect(Object.keys(storeKey?.inputSchema.properties ?? {})).toEqual(['provider', 'key', 'base_url'])
    const prompt = await client.getPrompt({ name: 'integrate-byok', arguments: {} })
    const body = JSON.stringify(prompt.messages)
    expect(body).not.toMatch(/register_user|integrate_project|scaffold_project|key_env "/)
  })

  it('relay_health reports the public relay URL and the session token', async () => {
    const health = await call(client, 'relay_health')
    expect(health.isError, text(health)).toBeFalsy()
    expect(health.structuredContent).toMatchObject({
      relay_url: fx.relay.url,
      relay_source: 'configured',
      ok: true,
      has_token: true,
    })
  })

  it('store_key → list_keys → test_relay → delete_key act for the bearer token’s user', async () => {
    const stored = await call(client, 'store_key', { provider: 'openai', key: KEYS.openai })
    expect(stored.isError, text(stored)).toBeFalsy()
    // The relay's own API, called with the same token, sees the key: the tools acted for this user.
    const keys = await fetch(`${fx.relay.url}/keys`, { headers: { 'x-relay-token': token } })
    expect(JSON.stringify(await keys.json())).toContain('openai')
    const listed = await call(client, 'list_keys')
    expect(listed.structuredContent).toMatchObject({ providers: ['openai'] })
    const tested = await call(client, 'test_relay', { provider: 'openai' })
    expect(tested.structuredContent).toMatchObject({ ok: true, status: 200, reply: 'Hello chunk-1 chunk-2' })
    expect(fx.mocks.openai.exchanges.at(-1)?.request.headers.authorization).toBe(`Bearer ${KEYS.openai}`)
    const deleted = await call(client, 'delete_key', { provider: 'openai' })
    expect(deleted.structuredContent).toEqual({ provider: 'openai', deleted: true })
    expect(JSON.stringify([stored, listed, tested, deleted])).not.toContain(KEYS.openai)
  })

  it('another token’s session sees none of this user’s keys', async () => {
    await call(client, 'store_key', { provider: 'anthropic', key: KEYS.anthropic })
    const other = await connectHttp(fx.relay.url, await registerToken(fx.relay.url, 'other'))
    try {
      expect((await call(other, 'list_keys')).structuredContent).toEqual({ providers: [], keys: [] })
    } finally {
      await other.close()
    }
  })

  it('store_key cannot read the relay host’s environment: key_env is refused and nothing is stored', async () => {
    // PATH is set in every relay process; a remote caller naming it must get nothing from it.
    const result = await call(client, 'store_key', { provider: 'groq', key_env: 'PATH' })
    expect(result.isError).toBe(true)
    expect(text(result)).toMatch(/Pass the key as key: this MCP server runs on the relay and cannot read/)
    const listed = await call(client, 'list_keys')
    expect((listed.structuredContent as { providers: string[] }).providers).not.toContain('groq')
  })

  it('file-system and registration tools are not callable', async () => {
    for (const name of ['integrate_project', 'scaffold_project', 'register_user']) {
      const result = await call(client, name, { path: '.', dir: 'x' })
      expect(result.isError, name).toBe(true)
      expect(text(result), name).toMatch(/not found/i)
    }
  })

  it('bad input is an isError result and the endpoint keeps answering', async () => {
    const unknown = await call(client, 'test_relay', { provider: 'nope' })
    expect(unknown.isError).toBe(true)
    expect(text(unknown)).toMatch(/Unknown provider "nope"\. Use one of:/)
    const invalid = await call(client, 'delete_key', { provider: 42 })
    expect(invalid.isError).toBe(true)
    expect((await call(client, 'relay_health')).isError).toBeFalsy()
  })
})
