import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextAfter } from '../src/index.js'
import { call, connect, type Fixture, KEYS, startFixture, text } from './helpers.js'

let fx: Fixture
beforeAll(async () => {
  fx = await startFixture()
})
afterAll(() => fx.close())

const EXPECTED_TOOLS = {
  relay_health: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  register_user: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  store_key: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  list_keys: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  delete_key: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  test_relay: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  integrate_project: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  scaffold_project: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
} as const

describe('tools/list', () => {
  it('lists the documented tools with input/output schemas and deliberate annotations', async () => {
    const client = await connect({
      relayUrl: fx.relay.url,
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
      integrate: async () => {
        throw new Error('not called')
      },
      root: '/tmp',
    })
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual(Object.keys(EXPECTED_TOOLS))
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40)
      expect(tool.inputSchema.type).toBe('object')
      expect(tool.outputSchema?.type, tool.name).toBe('object')
      expect(tool.annotations, tool.name).toMatchObject(
        EXPECTED_TOOLS[tool.name as keyof typeof EXPECTED_TOOLS],
      )
    }
    const storeKey = tools.find((t) => t.name === 'store_key')
    expect(Object.keys(storeKey?.inputSchema.properties ?? {})).toEqual([
      'provider',
      'key_env',
      'key',
      'base_url',
    ])
    expect(storeKey?.inputSchema.required).toEqual(['provider'])
    const integrate = tools.find((t) => t.name === 'integrate_project')
    expect(Object.keys(integrate?.inputSchema.properties ?? {})).toEqual([
      'path',
      'apply',
      'force',
      'detail',
      'only',
    ])
    expect(integrate?.inputSchema.required).toEqual(['path'])
    expect(Object.keys(integrate?.outputSchema?.properties ?? {})).toEqual([
      'result',
      'applied',
      'project_dir',
      'framework',
      'counts',
      'edited',
      'added',
      'manifests',
      'found',
      'manual',
      'server_side',
      'errors',
      'leaked_env_keys',
      'next',
      'diffs',
    ])
  })

  it('each step’s tool description names the next step from AGENT_STEPS', async () => {
    const client = await connect({
      relayUrl: fx.relay.url,
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
      integrate: async () => ({}) as never,
      root: '/tmp',
    })
    const { tools } = await client.listTools()
    const description = (name: string) => tools.find((t) => t.name === name)?.description ?? ''
    expect(description('relay_health')).toContain(nextAfter('health'))
    expect(description('integrate_project')).toContain(nextAfter('plan'))
    expect(description('scaffold_project')).toContain(nextAfter('scaffold', 'new'))
    expect(description('register_user')).toContain(nextAfter('register'))
    expect(description('store_key')).toContain(nextAfter('store'))
    expect(nextAfter('store')).toMatch(/^Next: test_relay /)
  })

  it('registers scaffold_project and integrate_project only when the CLI injects them', async () => {
    const client = await connect({ relayUrl: fx.relay.url })
    const names = (await client.listTools()).tools.map((t) => t.name)
    expect(names).not.toContain('scaffold_project')
    expect(names).not.toContain('integrate_project')
    expect(names).toHaveLength(6)
    // integrate_project also needs the root its paths are confined to.
    const noRoot = await connect({ relayUrl: fx.relay.url, integrate: async () => ({}) as never })
    expect((await noRoot.listTools()).tools.map((t) => t.name)).not.toContain('integrate_project')
  })

  it('remote mode drops register_user, the file-system tools and key_env, whatever is injected', async () => {
    const client = await connect({
      relayUrl: fx.relay.url,
      remote: true,
      env: { PATH: '/bin' },
      scaffold: async () => ({ dir: '', template: '', env: {}, next: [] }),
      integrate: async () => ({}) as never,
      root: '/tmp',
    })
    const { tools } = await client.listTools()
    expect(tools.map((t) => t.name)).toEqual([
      'relay_health',
      'store_key',
      'list_keys',
      'delete_key',
      'test_relay',
    ])
    const storeKey = tools.find((t) => t.name === 'store_key')
    expect(Object.keys(storeKey?.inputSchema.properties ?? {})).toEqual(['provider', 'key', 'base_url'])
  })
})

describe('happy path', () => {
  let client: Client
  beforeAll(async () => {
    client = await connect({ relayUrl: fx.relay.url, env: { MY_OPENAI_KEY: KEYS.openai } })
  })

  it('relay_health reports a healthy relay, where it comes from, and the next step', async () => {
    const result = await call(client, 'relay_health')
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({
      relay_url: fx.relay.url,
      relay_source: 'configured',
      ok: true,
      mode: 'dev',
      checks: { store: 'ok', crypto: 'ok' },
      has_token: false,
    })
    expect(text(result)).toMatch(/^Healthy: http:\/\/127\.0\.0\.1:\d+, the relay at RELAY_URL; byok-relay /)
    expect(text(result)).toContain('Next: integrate_project (dry run)')
    expect(text(result)).toContain('For a new app: scaffold_project instead.')
    // The data once: the text is the summary, not the JSON again.
    expect(text(result)).not.toContain('"relay_url"')
  })

  it('register_user → store_key (key_env) → list_keys → test_relay → delete_key', async () => {
    const transcript: string[] = []
    const run = async (name: string, args: Record<string, unknown> = {}) => {
      const result = await call(client, name, args)
      transcript.push(JSON.stringify(result))
      expect(result.isError, text(result)).toBeFalsy()
      return result.structuredContent as Record<string, unknown>
    }
    const registered = await run('register_user', { app_id: 'my-app' })
    expect(registered).toMatchObject({ registered: true, app_id: 'my-app', expires_at: expect.any(String) })
    expect(registered.token_hint).toHaveLength(4)

    expect(await run('store_key', { provider: 'openai', key_env: 'MY_OPENAI_KEY' })).toEqual({
      stored: true,
      provider: 'openai',
      source: 'key_env',
      key_env: 'MY_OPENAI_KEY',
    })
    const listed = await run('list_keys')
    expect(listed.providers).toEqual(['openai'])
    expect(listed.keys).toEqual([
      expect.objectContaining({ provider: 'openai', hint: `…${KEYS.openai.slice(-4)}` }),
    ])

    const tested = await run('test_relay', { provider: 'openai' })
    expect(tested).toMatchObject({
      ok: true,
      provider: 'openai',
      model: 'gpt-4o-mini',
      path: '/v1/chat/completions',
      status: 200,
      reply: 'Hello chunk-1 chunk-2',
    })
    expect(tested.latency_ms).toEqual(expect.any(Number))
    const upstream = fx.mocks.openai.exchanges.at(-1)?.request
    expect(JSON.parse(upstream?.body.toString() ?? '{}')).toMatchObject({
      model: 'gpt-4o-mini',
      max_tokens: 1,
    })

    expect(await run('delete_key', { provider: 'openai' })).toEqual({ provider: 'openai', deleted: true })
    expect(await run('delete_key', { provider: 'openai' })).toEqual({ provider: 'openai', deleted: false })
    expect(transcript.join('\n')).not.toContain(KEYS.openai)
    expect(transcript.join('\n')).not.toContain(KEYS.openai.slice(0, -4))
  })

  it('test_relay speaks Anthropic messages and Gemini generateContent', async () => {
    const c = await connect({ relayUrl: fx.relay.url })
    await call(c, 'register_user')
    expect((await call(c, 'store_key', { provider: 'anthropic', key: KEYS.anthropic })).isError).toBeFalsy()
    expect((await call(c, 'store_key', { provider: 'google', key: KEYS.google })).isError).toBeFalsy()
    const anthropic = await call(c, 'test_relay', { provider: 'anthropic' })
    expect(anthropic.structuredContent).toMatchObject({ ok: true, path: '/v1/messages', status: 200 })
    expect((anthropic.structuredContent as { reply: string }).reply).toMatch(/^Hello/)
    const google = await call(c, 'test_relay', { provider: 'google', model: 'gemini-2.5-flash' })
    expect(google.structuredContent).toMatchObject({
      ok: true,
      path: '/v1beta/models/gemini-2.5-flash:generateContent',
      status: 200,
    })
    expect((google.structuredContent as { reply: string }).reply).toMatch(/^Hello/)
    expect(JSON.stringify([anthropic, google])).not.toContain(KEYS.anthropic)
  })

  it('RELAY_TOKEN (the token option) presets the session token', async () => {
    const first = await connect({ relayUrl: fx.relay.url })
    await call(first, 'register_user')
    const res = await fetch(`${fx.relay.url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'preset' }),
    })
    const { token } = (await res.json()) as { token: string }
    const preset = await connect({ relayUrl: fx.relay.url, token })
    const listed = await call(preset, 'list_keys')
    expect(listed.isError).toBeFalsy()
    expect(listed.structuredContent).toEqual({ providers: [], keys: [] })
    expect((await call(preset, 'relay_health')).structuredContent).toMatchObject({ has_token: true })
  })
})

describe('bad input is an actionable tool error, never a crash', () => {
  it('missing or invalid arguments', async () => {
    const client = await connect({ relayUrl: fx.relay.url })
    const missing = await call(client, 'store_key', {})
    expect(missing.isError).toBe(true)
    expect(text(missing)).toMatch(/provider/)
    const badEnvName = await call(client, 'store_key', { provider: 'openai', key_env: 'not a name' })
    expect(badEnvName.isError).toBe(true)
    expect(text(badEnvName)).toMatch(/environment variable name/)
    const wrongType = await call(client, 'delete_key', { provider: 42 })
    expect(wrongType.isError).toBe(true)
    // The server is still answering.
    expect((await call(client, 'relay_health')).isError).toBeFalsy()
  })

  it('unknown provider lists the valid ids', async () => {
    const client = await connect({ relayUrl: fx.relay.url, token: 'byok_rt_unused' })
    for (const name of ['store_key', 'delete_key', 'test_relay']) {
      const result = await call(client, name, { provider: 'nope', key: 'sk-x' })
      expect(result.isError, name).toBe(true)
      expect(text(result), name).toMatch(/Unknown provider "nope"\. Use one of: openai, anthropic, google/)
    }
  })

  it('no token yet → run register_user; invalid token → run register_user', async () => {
    const fresh = await connect({ relayUrl: fx.relay.url, env: { K: KEYS.openai } })
    for (const [name, args] of [
      ['list_keys', {}],
      ['store_key', { provider: 'openai', key_env: 'K' }],
      ['test_relay', { provider: 'openai' }],
    ] as const) {
      const result = await call(fresh, name, args)
      expect(result.isError, name).toBe(true)
      expect(text(result), name).toMatch(/Run register_user first/)
    }
    const stale = await connect({ relayUrl: fx.relay.url, token: 'byok_rt_not-a-real-token' })
    const result = await call(stale, 'list_keys')
    expect(result.isError).toBe(true)
    expect(text(result)).toMatch(/^list_keys failed \(token_\w+\).*Run register_user/)
  })

  it('store_key: key_env unset, both or neither of key/key_env, malformed key — without echoing the key', async () => {
    const client = await connect({ relayUrl: fx.relay.url, env: {} })
    await call(client, 'register_user')
    const unset = await call(client, 'store_key', { provider: 'openai', key_env: 'OPENAI_API_KEY' })
    expect(unset.isError).toBe(true)
    expect(text(unset)).toMatch(
      /OPENAI_API_KEY is not set for the byok MCP server.*claude mcp add byok -e OPENAI_API_KEY=/,
    )
    const both = await call(client, 'store_key', { provider: 'openai', key: KEYS.openai, key_env: 'X' })
    expect(text(both)).toMatch(/exactly one of key_env/)
    const neither = await call(client, 'store_key', { provider: 'openai' })
    expect(text(neither)).toMatch(/exactly one of key_env/)
    const malformed = 'not-a-valid-openai-key-SECRET'
    const bad = await call(client, 'store_key', { provider: 'openai', key: malformed })
    expect(bad.isError).toBe(true)
    expect(text(bad)).toMatch(/key_invalid.*OpenAI keys look like sk-/)
    expect(JSON.stringify([both, bad])).not.toContain('SECRET')
  })

  it('test_relay: missing stored key → store_key; provider rejects → says so without the upstream body', async () => {
    const client = await connect({ relayUrl: fx.relay.url })
    await call(client, 'register_user')
    const missing = await call(client, 'test_relay', { provider: 'openai' })
    expect(missing.isError).toBe(true)
    expect(text(missing)).toMatch(/key_missing.*Run store_key/)
    const wrongKey = 'sk-wrongwrongwrong0123456789WRONG'
    await call(client, 'store_key', { provider: 'openai', key: wrongKey })
    const rejected = await call(client, 'test_relay', { provider: 'openai' })
    expect(rejected.isError).toBe(true)
    expect(text(rejected)).toMatch(/OpenAI answered HTTP 401 through the relay.*store_key again/)
    expect(text(rejected)).not.toContain('WRONG')
    const noDefault = await call(client, 'test_relay', { provider: 'huggingface' })
    expect(text(noDefault)).toMatch(/no default test model; call test_relay again with a model/)
    const noChat = await call(client, 'test_relay', { provider: 'deepgram' })
    expect(text(noChat)).toMatch(/no chat endpoint/)
  })

  it('relay down → a remedy the agent can pass on: start it, or drop RELAY_URL; the dev relay → byok dev', async () => {
    const client = await connect({ relayUrl: 'http://127.0.0.1:9', token: 'byok_rt_x' })
    for (const name of ['relay_health', 'register_user', 'list_keys']) {
      const result = await call(client, name)
      expect(result.isError, name).toBe(true)
      expect(text(result), name).toMatch(/\(RELAY_URL\) is not reachable.*remove RELAY_URL.*relay_health/)
    }
    for (const relaySource of ['started', 'running'] as const) {
      const dev = await connect({ relayUrl: 'http://127.0.0.1:9', relaySource })
      expect(text(await call(dev, 'relay_health'))).toBe(
        'The local dev relay at http://127.0.0.1:9 is not answering. Run `npx byok dev` in a terminal (same data dir: stored keys are kept), then run relay_health.',
      )
    }
  })
})
