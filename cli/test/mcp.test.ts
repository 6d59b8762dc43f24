import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { type CallToolResult, Client, StdioClientTransport } from '../../mcp/test/stdio-client.js'
import { startOpenAIMock } from '../../test/mocks/openai.js'
import { runByok, withTempDir } from './helpers.js'

const BIN = fileURLToPath(new URL('../src/bin/byok.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const KEY = 'sk-e2emcp0123456789abcdefKEYVALUE'

describe('byok mcp over stdio (zero config: embedded relay)', () => {
  it('register_user → store_key (key_env) → test_relay, and the key appears nowhere', () =>
    withTempDir(async (dir) => {
      const mock = await startOpenAIMock({ expectedKey: KEY })
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: ['--conditions=source', '--import', TSX, BIN, 'mcp'],
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          XDG_CONFIG_HOME: join(dir, 'config'),
          OPENAI_BASE_URL: mock.url,
          MY_OPENAI_KEY: KEY,
        },
        stderr: 'pipe',
      })
      let stderr = ''
      transport.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString()
      })
      const client = new Client({ name: 'byok-e2e', version: '0' })
      const transcript: CallToolResult[] = []
      try {
        await client.connect(transport)
        const call = async (name: string, args: Record<string, unknown> = {}) => {
          const result = (await client.callTool({ name, arguments: args })) as CallToolResult
          transcript.push(result)
          expect(result.isError, JSON.stringify(result.content)).toBeFalsy()
          return result.structuredContent as Record<string, unknown>
        }
        const health = await call('relay_health')
        expect(health).toMatchObject({
          embedded: true,
          ok: true,
          relay_url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
        })
        await call('register_user', { app_id: 'e2e' })
        expect(await call('store_key', { provider: 'openai', key_env: 'MY_OPENAI_KEY' })).toMatchObject({
          stored: true,
        })
        expect(await call('test_relay', { provider: 'openai' })).toMatchObject({
          ok: true,
          status: 200,
          reply: 'Hello chunk-1 chunk-2',
        })
        expect(mock.exchanges.some((e) => e.request.path === '/v1/chat/completions')).toBe(true)
        const created = await call('scaffold_project', { template: 'react', dir: 'app' })
        expect(created).toMatchObject({ dir: join(dir, 'app'), template: 'react' })
        expect(Object.values(created.env as Record<string, string>)).toEqual([health.relay_url])
        expect(existsSync(join(dir, 'app', 'package.json'))).toBe(true)
      } finally {
        await client.close()
        await mock.close()
      }
      // A persistent data dir under the config dir, with the generated dev secrets.
      expect(existsSync(join(dir, 'config', 'byok', 'mcp', 'dev-secrets.json'))).toBe(true)
      expect(existsSync(join(dir, 'config', 'byok', 'mcp', 'relay.db'))).toBe(true)
      expect(stderr).toMatch(/MCP server on stdio; relay http:\/\/127\.0\.0\.1:\d+ \(embedded\)/)
      expect(JSON.stringify(transcript)).not.toContain(KEY)
      expect(stderr).not.toContain(KEY)
    }))
})

describe('byok mcp --print-config', () => {
  it.each([
    ['claude', /^claude mcp add byok -- npx -y byok mcp\n$/],
    ['cursor', /"mcpServers": \{\n\s+"byok": \{\n\s+"command": "npx"/],
    ['vscode', /"servers": \{\n\s+"byok": \{\n\s+"type": "stdio"/],
    ['codex', /^\[mcp_servers\.byok\]\ncommand = "npx"\nargs = \["-y", "byok", "mcp"\]\n$/],
  ])('%s', (client, expected) =>
    withTempDir(async (dir) => {
      const { code, stdout, stderr } = await runByok(['mcp', '--print-config', client], { cwd: dir })
      expect(code, stderr).toBe(0)
      expect(stdout).toMatch(expected)
      if (client === 'cursor' || client === 'vscode') expect(() => JSON.parse(stdout)).not.toThrow()
    }),
  )

  it('refuses an unknown client with the list', () =>
    withTempDir(async (dir) => {
      const { code, stderr } = await runByok(['mcp', '--print-config', 'emacs'], { cwd: dir })
      expect(code).toBe(1)
      expect(stderr).toContain('byok: unknown MCP client "emacs"')
      expect(stderr).toContain('hint: Choose one of: claude, cursor, vscode, codex.')
    }))
})
