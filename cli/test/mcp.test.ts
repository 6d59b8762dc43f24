import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServer } from '@byok/mcp'
import { startOpenAIMock } from '@byok/relay/mock-providers'
// Tests never use the real dev relay port (3000): a free one each time.
import { commitAll, freePort, runByok, spawnByok, withTempDir, writeFiles } from '@byok/test-kit'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { describe, expect, it } from 'vitest'
import { createIntegrate } from '../src/commands/mcp.js'
import type { CliIo } from '../src/io.js'
import { fixturesDir } from './codemod/helpers.js'

const BIN = fileURLToPath(new URL('../src/bin/byok.ts', import.meta.url))
const TSX = import.meta.resolve('tsx')
const KEY = 'sk-e2emcp0123456789abcdefKEYVALUE'

/** `byok mcp` over stdio with its dev relay on `port` and its data dir in `dir`. */
function mcpTransport(dir: string, port: number, env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=source', '--import', TSX, BIN, 'mcp', '--port', String(port)],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      BYOK_DATA_DIR: join(dir, 'data'),
      ...env,
    },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  return { transport, stderr: () => stderr }
}

async function isListening(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/version`)
    return true
  } catch {
    return false
  }
}

describe('byok mcp over stdio: the local dev relay', () => {
  it(
    'starts the dev relay on its port and data dir when none runs: register_user → store_key (key_env) → test_relay; it stops with the server, and the key is there for the next one',
    () =>
      withTempDir(async (dir) => {
        const mock = await startOpenAIMock({ expectedKey: KEY })
        const port = await freePort()
        const relayUrl = `http://127.0.0.1:${port}`
        const env = {
          OPENAI_BASE_URL: mock.url,
          MY_OPENAI_KEY: KEY,
          // Every request and upstream call logged, so "not in stderr" covers the relay's logs too.
          LOG_LEVEL: 'trace',
          // Shared with `byok start` through .env; the dev relay must ignore it rather than refuse to start.
          MCP_HTTP: 'on',
        }
        const first = mcpTransport(dir, port, env)
        const client = new Client({ name: 'byok-e2e', version: '0' })
        const transcript: CallToolResult[] = []
        const call = async (c: Client, name: string, args: Record<string, unknown> = {}) => {
          const result = (await c.callTool({ name, arguments: args })) as CallToolResult
          transcript.push(result)
          expect(result.isError, JSON.stringify(result.content)).toBeFalsy()
          return result.structuredContent as Record<string, unknown>
        }
        try {
          await client.connect(first.transport)
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
          expect(await call(client, 'relay_health')).toMatchObject({
            relay_source: 'started',
            ok: true,
            relay_url: relayUrl,
          })
          // The relay the CLI starts serves the packaged skill with its own URL filled in.
          const skill = await fetch(`${relayUrl}/skill`)
          expect(skill.status).toBe(200)
          expect(await skill.text()).toContain(`RELAY_URL=${relayUrl} npx byok mcp`)
          await call(client, 'register_user', { app_id: 'e2e' })
          expect(
            await call(client, 'store_key', { provider: 'openai', key_env: 'MY_OPENAI_KEY' }),
          ).toMatchObject({
            stored: true,
          })
          expect(await call(client, 'test_relay', { provider: 'openai' })).toMatchObject({
            ok: true,
            status: 200,
            reply: 'Hello chunk-1 chunk-2',
          })
          expect(mock.exchanges.some((e) => e.request.path === '/v1/chat/completions')).toBe(true)
          // An app id with a newline would add lines to the app's .env (issue 17): refused, nothing written.
          const injected = (await client.callTool({
            name: 'scaffold_project',
            arguments: {
              template: 'react',
              dir: 'evil',
              app_id: 'x\nVITE_BYOK_RELAY_URL=http://evil.example',
            },
          })) as CallToolResult
          expect(injected.isError).toBe(true)
          expect(JSON.stringify(injected.content)).toContain('the app id must be 1–200 characters')
          expect(existsSync(join(dir, 'evil'))).toBe(false)
          const created = await call(client, 'scaffold_project', { template: 'react', dir: 'app' })
          expect(created).toMatchObject({ created: true, dir: join(dir, 'app'), template: 'react' })
          // The app calls the relay the developer runs: this one.
          expect(Object.values(created.env as Record<string, string>)).toEqual([relayUrl])
          expect(readFileSync(join(dir, 'app', '.env'), 'utf8')).toContain(
            `VITE_BYOK_RELAY_URL="${relayUrl}"`,
          )
        } finally {
          await client.close()
        }
        // Started here, so stopped here.
        await expect.poll(() => isListening(relayUrl), { timeout: 10_000 }).toBe(false)
        expect(existsSync(join(dir, 'data', 'dev-secrets.json'))).toBe(true)
        expect(existsSync(join(dir, 'data', 'relay.db'))).toBe(true)
        expect(first.stderr()).toContain(`MCP server on stdio; relay ${relayUrl} (started)`)
        expect(first.stderr()).toContain('/keys/openai') // the trace logs were there to scan

        // Tomorrow: `byok dev` opens the same data dir with the same secrets (it refuses a store sealed under others),
        // and a new MCP session uses that relay instead of starting one.
        const dev = spawnByok(['dev', '--port', String(port)], {
          cwd: dir,
          env: { BYOK_DATA_DIR: join(dir, 'data'), OPENAI_BASE_URL: mock.url },
        })
        try {
          await dev.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+ \(dev mode/, 60_000)
          expect(dev.stderr()).not.toContain('generated dev secrets')
          const second = mcpTransport(dir, port, { ...env, LOG_LEVEL: 'warn' })
          const again = new Client({ name: 'byok-e2e', version: '0' })
          try {
            await again.connect(second.transport)
            expect(await call(again, 'relay_health')).toMatchObject({
              relay_source: 'running',
              relay_url: relayUrl,
            })
          } finally {
            await again.close()
          }
          // Not started by that server, so still running after it.
          expect(await isListening(relayUrl)).toBe(true)
          expect(second.stderr()).toContain(`relay ${relayUrl} (running)`)
        } finally {
          dev.child.kill('SIGTERM')
          await dev.exited()
          await mock.close()
        }
        expect(JSON.stringify(transcript)).not.toContain(KEY)
        expect(first.stderr()).not.toContain(KEY)
      }),
    240_000,
  )

  it(
    'something else on the dev relay port → exit 1 naming --port and RELAY_URL',
    () =>
      withTempDir(async (dir) => {
        const foreign = createHttpServer((_req, res) => res.end('<html>not a relay</html>'))
        await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve))
        const { port } = foreign.address() as AddressInfo
        try {
          const { code, stderr } = await runByok(['mcp', '--port', String(port)], {
            cwd: dir,
            env: { BYOK_DATA_DIR: join(dir, 'data') },
          })
          expect(code).toBe(1)
          expect(stderr).toContain(
            `byok: http://127.0.0.1:${port} is taken by something that is not a byok relay`,
          )
          expect(stderr).toMatch(/hint: .*byok mcp --port <n>.*RELAY_URL/)
        } finally {
          foreign.close()
        }
      }),
    60_000,
  )
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
  // As agents do: the SDK client then checks every tool result against the tool's output schema.
  await client.listTools()
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
        expect(textOf(forced)).toContain(`The app's .env now sets VITE_BYOK_RELAY_URL=http://127.0.0.1:9`)
        expect(readFileSync(join(app, '.env'), 'utf8')).toMatch(
          /^VITE_BYOK_RELAY_URL="http:\/\/127\.0\.0\.1:9"$/m,
        )
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
        expect(first.structuredContent).toMatchObject({ applied: true, project_dir: root })
        commitAll(root, 'byok')
        const after = snapshotFiles(root)
        const second = await integrate(client, { path: '.', apply: true })
        expect(second.isError, textOf(second)).toBeFalsy()
        expect(second.structuredContent).toMatchObject({ applied: false })
        expect(snapshotFiles(root)).toEqual(after)
      }),
    60_000,
  )

  it('names server-side provider use in a report the client accepts (it is in the output schema)', () =>
    withTempDir(async (root) => {
      const files: Record<string, string> = {
        'package.json': '{"name":"app","dependencies":{"next":"15","openai":"5"}}\n',
        'tsconfig.json': '{}\n',
        'pages/api/chat.ts':
          "import OpenAI from 'openai'\nconst openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY })\n" +
          'export default async function handler(req, res) {\n  res.json(await openai.chat.completions.create(req.body))\n}\n',
        'lib/ai.ts':
          "import OpenAI from 'openai'\nexport const ai = new OpenAI({ apiKey: process.env.NEXT_PUBLIC_OPENAI_API_KEY, dangerouslyAllowBrowser: true })\n",
      }
      writeFiles(root, files)
      const client = await connectWithCodemod(root)
      const dry = await integrate(client, { path: '.' })
      expect(dry.isError, textOf(dry)).toBeFalsy()
      expect(dry.structuredContent).toMatchObject({
        result: 'dry_run',
        server_side: [expect.stringMatching(/^pages\/api\/chat\.ts:\d+ openai \(/)],
      })
    }))

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
