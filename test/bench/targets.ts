// The processes a bench run starts: the mock upstream, the minimal proxy and the relay's two entry points, each
// pinned to its core with taskset (util-linux) when the machine has two or more.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = fileURLToPath(new URL('.', import.meta.url))
const root = join(here, '../..')
const TSX = import.meta.resolve('tsx')

export interface Running {
  readonly child: ChildProcess
  readonly pid: number
  readonly port: number
}

/** Core layout: the relay (or minimal proxy) alone on one core, everything else on the other. */
export const CORES = availableParallelism() >= 2 ? { target: '0', load: '1' } : null

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const pinned = (core: string | undefined, argv: string[]): [string, string[]] =>
  core !== undefined && CORES ? ['taskset', ['-c', core, ...argv]] : [argv[0]!, argv.slice(1)]

/** A command that runs a target under another program (e.g. valgrind): its argv, the target's follows. */
export type Wrapper = readonly string[]

/**
 * Run `[cmd, args]` with its open-file limit raised to `nofile` (or as far as the hard limit allows: raising
 * the hard limit needs root). Check the outcome with {@link openFileLimit}.
 */
function withOpenFiles(nofile: number | undefined, [cmd, args]: [string, string[]]): [string, string[]] {
  if (nofile === undefined) return [cmd, args]
  const script = `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$@"`
  return ['sh', ['-c', script, 'sh', cmd, ...args]]
}

/** The soft open-file limit of a running process. */
export function openFileLimit(pid: number): number {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  return Number(line?.split(/\s{2,}/)[1] ?? 0)
}

/** Pin this process (and its threads) to `core`: the bench's own probes then stay off the target's core. */
export function pinSelf(core: string): void {
  execFileSync('taskset', ['-a', '-pc', core, String(process.pid)], { stdio: 'ignore' })
}

/** A bench helper script under tsx; it reports its port over IPC. */
export function startHelper(
  script: string,
  args: string[],
  core?: string,
  options: { nofile?: number; wrap?: Wrapper } = {},
): Promise<Running> {
  const [cmd, argv] = withOpenFiles(
    options.nofile,
    pinned(core, [...(options.wrap ?? []), process.execPath, '--import', TSX, join(here, script), ...args]),
  )
  const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, pid: child.pid!, port: m.port }))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
}

/** The node flags of a compiled bin's `#!/usr/bin/env -S node …` line: what operators run it with. */
function shebangFlags(bin: string): string[] {
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0]!
  return shebang.split(/\s+/).filter((part) => part.startsWith('--'))
}

export type EntryPoint = 'byok-relay' | 'byok start'

const ENTRY: Record<EntryPoint, { bin: string; args: string[] }> = {
  'byok-relay': { bin: 'relay/dist/bin/byok-relay.js', args: [] },
  'byok start': { bin: 'cli/dist/bin/byok.js', args: ['start', '--env-file', '/dev/null'] },
}

/**
 * One relay entry point exactly as operators run it: compiled, with the node flags of its own shebang,
 * configured only through the environment (plus `args`, e.g. `--workers 2`). BENCH_RELAY_NODE_ARGS adds node
 * flags (e.g. `--cpu-prof`). Resolves once it prints the port it listens on.
 */
export function startEntryPoint(
  entry: EntryPoint,
  env: Record<string, string>,
  options: { cwd: string; core?: string; nofile?: number; args?: readonly string[]; wrap?: Wrapper },
): Promise<Running> {
  const bin = join(root, ENTRY[entry].bin)
  const extra = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const [cmd, argv] = withOpenFiles(
    options.nofile,
    pinned(options.core, [
      ...(options.wrap ?? []),
      process.execPath,
      ...shebangFlags(bin),
      ...extra,
      bin,
      ...ENTRY[entry].args,
      ...(options.args ?? []),
    ]),
  )
  const child = spawn(cmd, argv, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out: string | null = ''
    // Drained for the whole run, as journald or a container runtime would: the request log is on.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (out === null) return
      out += chunk.toString()
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out)
      if (match) {
        out = null
        resolve({ child, pid: child.pid!, port: Number(match[1]) })
      }
    })
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code}: ${out}`)))
  })
}

/** Compile what the entry points run (tsc per package); a loader thread would distort CPU and memory. */
export function build(entries: readonly EntryPoint[]): void {
  const tsc = join(root, 'node_modules/typescript/bin/tsc')
  const packages = entries.includes('byok start') ? ['relay', 'mcp', 'cli'] : ['relay']
  for (const pkg of packages) {
    process.stderr.write(`building ${pkg} …\n`)
    execFileSync(process.execPath, [tsc, '-p', join(root, pkg, 'tsconfig.build.json')], { stdio: 'inherit' })
  }
}

/** A relay's environment for the bench: its own database in `dataDir`, OpenAI at the mock, limits off. */
export function benchRelayEnv(
  entry: EntryPoint,
  upstreamPort: number,
  dataDir: string,
): Record<string, string> {
  return {
    ENCRYPTION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    DB_PATH: join(dataDir, `${entry.replace(' ', '-')}.db`),
    HOST: '127.0.0.1',
    PORT: '0',
    OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
    // Limits off: the bench measures throughput, not the limiter's refusal speed.
    RATE_LIMIT_GLOBAL_PER_MIN: '0',
    RATE_LIMIT_RELAY_PER_MIN: '0',
    RATE_LIMIT_REGISTER_PER_HOUR: '0',
  }
}

/** A budget on every counter, far above what a run spends, so the relay reserves and settles on each call. */
async function setBenchBudget(origin: string, token: string): Promise<void> {
  const response = await fetch(`${origin}/budgets`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: JSON.stringify({
      period: 'month',
      max_requests: 1_000_000_000,
      max_input_tokens: 1_000_000_000_000,
      max_output_tokens: 1_000_000_000_000,
    }),
  })
  if (!response.ok) throw new Error(`setting the bench budget failed: ${response.status}`)
}

/** A user with an OpenAI key on a fresh relay (and a budget, with `withBudget`); returns its token. */
export async function enrol(origin: string, options: { withBudget?: boolean } = {}): Promise<string> {
  const user = await fetch(`${origin}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: 'bench' }),
  })
  const { token } = (await user.json()) as { token: string }
  const stored = await fetch(`${origin}/keys/openai`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: JSON.stringify({ key: 'sk-bench-0123456789abcdefghijklmnop' }),
  })
  if (!stored.ok) throw new Error(`storing the bench key failed: ${stored.status}`)
  if (options.withBudget) await setBenchBudget(origin, token)
  return token
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stop(running: Running | undefined, graceMs = 3_000): Promise<void> {
  if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return
  const exited = new Promise((resolve) => running.child.once('exit', resolve))
  running.child.kill('SIGTERM')
  const timer = setTimeout(() => running.child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}
