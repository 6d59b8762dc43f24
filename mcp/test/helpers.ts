import { loadConfig, type RunningRelay, startRelay } from '@byok/relay'
import {
  type MockProvider,
  startAnthropicMock,
  startGeminiMock,
  startOpenAIMock,
} from '@byok/relay/mock-providers'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { type CreateServerOptions, createMcpRoutes, createServer } from '../src/index.js'

export const KEYS = {
  openai: 'sk-mcptest0123456789abcdefSECRET',
  anthropic: 'sk-ant-mcptest0123456789abcdefSECRET',
  google: `AIza${'M'.repeat(31)}SECRET`.slice(0, 39),
} as const

export interface Fixture {
  readonly relay: RunningRelay
  readonly mocks: { openai: MockProvider; anthropic: MockProvider; google: MockProvider }
  close(): Promise<void>
}

/**
 * A real relay on 127.0.0.1:0 whose OpenAI, Anthropic and Gemini upstreams are local mocks; `mcpHttp` also mounts
 * this package's /mcp routes (MCP_HTTP=on), the way `byok start` does.
 */
export async function startFixture(options: { mcpHttp?: boolean } = {}): Promise<Fixture> {
  const openai = await startOpenAIMock({ expectedKey: KEYS.openai })
  const anthropic = await startAnthropicMock({ expectedKey: KEYS.anthropic })
  const google = await startGeminiMock({ expectedKey: KEYS.google })
  const config = loadConfig(
    {
      ENCRYPTION_SECRET: 'mcp-test-encryption-secret-0123456789',
      DB_PATH: ':memory:',
      LOG_LEVEL: 'silent',
      HOST: '127.0.0.1',
      PORT: '0',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_BASE_URL: anthropic.url,
      GOOGLE_BASE_URL: google.url,
      MCP_HTTP: options.mcpHttp ? 'on' : 'off',
    },
    { mode: 'dev' },
  )
  const relay = await startRelay(config, { mcpRoutes: createMcpRoutes() })
  return {
    relay,
    mocks: { openai, anthropic, google },
    async close() {
      await relay.close(0)
      await Promise.all([openai.close(), anthropic.close(), google.close()])
    },
  }
}

/**
 * A real MCP client connected to `createServer(options)` over an in-memory transport. It lists the tools first, as
 * agents do: the SDK client then checks every tool result against the tool's output schema and throws on a mismatch.
 */
export async function connect(options: CreateServerOptions): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
  await createServer(options).connect(serverTransport)
  const client = new Client({ name: 'byok-test', version: '0' })
  await client.connect(clientTransport)
  await client.listTools()
  return client
}

/** A real MCP client on the relay's /mcp over Streamable HTTP, sending `token` as a bearer token. */
export async function connectHttp(relayUrl: string, token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(new URL(`${relayUrl}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  })
  const client = new Client({ name: 'byok-http-test', version: '0' })
  await client.connect(transport)
  await client.listTools() // as in connect(): tool results are then checked against their output schemas
  return client
}

/** Registers a relay user directly (POST /users) and returns the relay token. */
export async function registerToken(relayUrl: string, appId = 'http-test'): Promise<string> {
  const res = await fetch(`${relayUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: appId }),
  })
  return ((await res.json()) as { token: string }).token
}

export async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult
}

export function text(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')
}
