import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, type RunningRelay, startRelay } from '@byok/relay'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { startAnthropicMock } from '../../test/mocks/anthropic.js'
import { startGeminiMock } from '../../test/mocks/gemini.js'
import { startOpenAIMock } from '../../test/mocks/openai.js'
import type { MockProvider } from '../../test/mocks/server.js'
import { type CreateServerOptions, createServer } from '../src/index.js'

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

/** A real relay on 127.0.0.1:0 whose OpenAI, Anthropic and Gemini upstreams are local mocks. */
export async function startFixture(): Promise<Fixture> {
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
    },
    { mode: 'dev' },
  )
  const relay = await startRelay(config)
  return {
    relay,
    mocks: { openai, anthropic, google },
    async close() {
      await relay.close(0)
      await Promise.all([openai.close(), anthropic.close(), google.close()])
    },
  }
}

/** A real MCP client connected to `createServer(options)` over an in-memory transport. */
export async function connect(options: CreateServerOptions): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
  await createServer(options).connect(serverTransport)
  const client = new Client({ name: 'byok-test', version: '0' })
  await client.connect(clientTransport)
  return client
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

export function withTempDir<T>(fn: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-mcp-'))
  return Promise.resolve()
    .then(() => fn(dir))
    .finally(() => rmSync(dir, { recursive: true, force: true }))
}
