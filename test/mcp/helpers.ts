import { cpSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commitAll, freePort, runByok as runCliProcess } from '@byok/test-kit'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { captureLogOutput } from '../log-scan.js'

const BIN = fileURLToPath(new URL('../../cli/src/bin/byok.ts', import.meta.url))
// Resolved here, not from the child's cwd, so the CLI runs in any temp directory.
const TSX = import.meta.resolve('tsx')
export const BYOK_ARGS = ['--conditions=source', '--import', TSX, BIN] as const

/** cli/test/codemod/fixtures/<name>: the codemod's fixture projects. */
export function fixtureProject(name: string): string {
  return fileURLToPath(new URL(`../../cli/test/codemod/fixtures/${name}`, import.meta.url))
}

/**
 * A clean environment for the CLI: nothing inherited but PATH, with HOME, config and the dev relay's data dir in
 * `dir` (never the user's own).
 */
export function cliEnv(dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, '.config'),
    BYOK_DATA_DIR: join(dir, 'byok-data'),
    ...extra,
  }
}

/** The fixture copied to `dir` and committed, so `apply` meets a clean git tree. */
export function copyCommittedFixture(name: string, dir: string): void {
  cpSync(fixtureProject(name), dir, { recursive: true })
  commitAll(dir)
}

/** Every file under `dir` (but .git) as raw bytes, keyed by relative path. */
export function snapshotBytes(dir: string, prefix = ''): Record<string, Buffer> {
  const out: Record<string, Buffer> = {}
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    if (entry.name === '.git') continue
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) Object.assign(out, snapshotBytes(dir, rel))
    else out[rel] = readFileSync(join(dir, rel))
  }
  return out
}

/** Runs the byok bin to completion (cli/test's runByok); its stderr is scanned for secrets like every relay log. */
export async function runByok(
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const result = await runCliProcess(args, options)
  captureLogOutput(result.stderr)
  return result
}

/**
 * `byok mcp` as a real process over stdio with its dev relay on `port` (a free one by default; without RELAY_URL it
 * starts the relay there unless one runs) logging at trace to stderr, which is collected for the secret scan and
 * returned by `stderr()`.
 */
export async function connectByokMcp(
  cwd: string,
  env: Record<string, string>,
  port?: number,
): Promise<{ client: Client; relayUrl: string; stderr: () => string; close: () => Promise<void> }> {
  const relayPort = port ?? (await freePort())
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [...BYOK_ARGS, 'mcp', '--port', String(relayPort)],
    cwd,
    env: { LOG_LEVEL: 'trace', ...env },
    stderr: 'pipe',
  })
  let stderr = ''
  transport.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString()
    captureLogOutput(d)
  })
  const client = new Client({ name: 'byok-e2e', version: '0' })
  await client.connect(transport)
  // As agents do: the SDK client then checks every tool result against the tool's output schema.
  await client.listTools()
  return {
    client,
    relayUrl: `http://127.0.0.1:${relayPort}`,
    stderr: () => stderr,
    close: () => client.close(),
  }
}
