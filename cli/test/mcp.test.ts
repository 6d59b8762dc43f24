import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from '@byok/mcp'
import { describe, expect, it } from 'vitest'
import {
  type CallToolResult,
  Client,
  InMemoryTransport,
  StdioClientTransport,
} from '../../mcp/test/stdio-client.js'
import { startOpenAIMock } from '../../test/mocks/openai.js'
import { createIntegrate } from '../src/commands/mcp.js'
import type { CliIo } from '../src/io.js'
import { fixturesDir } from './codemod/helpers.js'
import { commitAll, runByok, withTempDir } from './helpers.js'

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
          // Every request and upstream call logged, so "not in stderr" covers the relay's logs too.
          LOG_LEVEL: 'trace',
          // Shared with `byok start` through .env; the embedded relay must ignore it rather than refuse to start.
          MCP_HTTP: 'on',
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
        // The full stdio set, in the order agents use them, file-system tools included.
        const { tools } = await client.listTools()
        expect(tools.map((t) => t.name)).toEqual([
          'relay_health',
          'register_user',
          'store_key',
          'list_keys',
          'delete_key',
          'test_relay',
          'integrate_project',
          'scaffold_project',
        ])
        expect(tools.find((t) => t.name === 'integrate_project')?.annotations).toEqual({
          readOnlyHint: false,
          destructiveHint: true,
          idempotentHint: true,
          openWorldHint: false,
        })
        const outside = (await client.callTool({
          name: 'integrate_project',
          arguments: { path: '../../etc' },
        })) as CallToolResult
        transcript.push(outside)
        expect(outside.isError).toBe(true)
        expect(JSON.stringify(outside.content)).toMatch(/outside the project .*Pass a path inside it/)
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
      expect(stderr).toContain('/keys/openai') // the trace logs were there to scan
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

/** A fixture project copied into `dir`, as a committed git repository. */
function copyCommittedFixture(name: string, dir: string): void {
  cpSync(fixturesDir('fixtures', name), dir, { recursive: true })
  commitAll(dir)
}

function snapshotFiles(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.name === '.git') continue
    if (entry.isDirectory()) Object.assign(out, snapshotFiles(dir, rel))
    else out[rel] = readFileSync(join(dir, rel), 'utf8')
  }
  return out
}

/** createServer with the CLI's real integrate function, over an in-memory MCP transport; root = `root`. */
async function connectWithCodemod(root: string): Promise<Client> {
  const io = { env: {}, cwd: root } as unknown as CliIo
  const server = createServer({ relayUrl: 'http://127.0.0.1:9', integrate: createIntegrate(io, {}), root })
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
  await server.connect(serverTransport)
  const client = new Client({ name: 'byok-cli-test', version: '0' })
  await client.connect(clientTransport)
  return client
}

async function integrate(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'integrate_project', arguments: args })) as CallToolResult
}

function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n')
}

describe('integrate_project with the CLI codemod (in process)', () => {
  it(
    'refuses to apply on a dirty git tree, writing nothing, until force: true',
    () =>
      withTempDir(async (root) => {
        const app = join(root, 'app')
        copyCommittedFixture('vite-react-openai-sdk', app)
        writeFileSync(join(app, 'NOTES.md'), 'uncommitted\n')
        const before = snapshotFiles(app)
        const client = await connectWithCodemod(root)
        const refused = await integrate(client, { path: 'app', apply: true })
        expect(refused.isError).toBe(true)
        expect(textOf(refused)).toBe(
          `integrate_project failed: the git tree at ${app} has uncommitted changes, nothing was written. ` +
            'Ask the user to commit or stash them first so the codemod’s diff stays reviewable, then call ' +
            'integrate_project again with apply: true; or pass force: true to apply anyway.',
        )
        expect(snapshotFiles(app)).toEqual(before)
        // A dry run is always allowed: it writes nothing.
        const dry = await integrate(client, { path: 'app' })
        expect(dry.isError, textOf(dry)).toBeFalsy()
        expect(dry.structuredContent).toMatchObject({ applied: false })
        const forced = await integrate(client, { path: 'app', apply: true, force: true })
        expect(forced.isError, textOf(forced)).toBeFalsy()
        expect(forced.structuredContent).toMatchObject({ applied: true })
        expect(textOf(forced)).toContain(`Set VITE_BYOK_RELAY_URL=http://127.0.0.1:9 in the app's .env`)
        expect(snapshotFiles(app)).not.toEqual(before)
        expect(readFileSync(join(app, 'src/lib/byok-instance.ts'), 'utf8')).toContain('createByok')
      }),
    60_000,
  )

  it(
    'applies on a clean tree; applying again finds nothing left to change',
    () =>
      withTempDir(async (root) => {
        copyCommittedFixture('plain-fetch-gemini', root)
        const client = await connectWithCodemod(root)
        const first = await integrate(client, { path: '.', apply: true })
        expect(first.isError, textOf(first)).toBeFalsy()
        expect(first.structuredContent).toMatchObject({ applied: true, projectDir: root })
        commitAll(root, 'byok')
        const after = snapshotFiles(root)
        const second = await integrate(client, { path: '.', apply: true })
        expect(second.isError, textOf(second)).toBeFalsy()
        expect(second.structuredContent).toMatchObject({ applied: false })
        expect(snapshotFiles(root)).toEqual(after)
      }),
    60_000,
  )

  it('an unknown transform id → the list of valid ids, nothing written', () =>
    withTempDir(async (root) => {
      copyCommittedFixture('plain-fetch-gemini', root)
      const before = snapshotFiles(root)
      const client = await connectWithCodemod(root)
      const result = await integrate(client, { path: '.', only: ['nope'], apply: true })
      expect(result.isError).toBe(true)
      expect(textOf(result)).toMatch(
        /^integrate_project failed: unknown transform: nope\. Pass only ids from: \S+/,
      )
      expect(snapshotFiles(root)).toEqual(before)
    }))
})
