import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../src/bin/byok.ts', import.meta.url))
// Resolved here, not from the child's cwd, so the CLI can run in any temp directory.
const TSX = import.meta.resolve('tsx')

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-cli-'))
  try {
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ByokProcess {
  readonly child: ChildProcess
  stdout(): string
  stderr(): string
  /** Resolves with the first stdout/stderr match, or rejects after `timeoutMs` or if the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Run the `byok` bin as a real process with a clean environment (nothing inherited but PATH and HOME). */
export function spawnByok(
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): ByokProcess {
  const child = spawn(process.execPath, ['--conditions=source', '--import', TSX, BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? options.cwd, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString()
    for (const l of listeners) l()
  })
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString()
    for (const l of listeners) l()
  })
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  )
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = (out + err).match(pattern)
          if (match) {
            cleanup()
            resolve(match)
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`timed out waiting for ${pattern}; stdout: ${out}; stderr: ${err}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          listeners.delete(check)
        }
        void exit.then(() => {
          check()
          if (listeners.has(check)) {
            cleanup()
            reject(new Error(`process exited before ${pattern}; stdout: ${out}; stderr: ${err}`))
          }
        })
        listeners.add(check)
        check()
      })
    },
  }
}

/** Run the bin to completion. */
export async function runByok(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const proc = spawnByok(args, options)
  const { code } = await proc.exited()
  return { code, stdout: proc.stdout(), stderr: proc.stderr() }
}

/** Runs git in `dir` with a fixed identity and no user/system config, so commits work on any machine. */
export function git(dir: string, args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=byok-test', '-c', 'user.email=test@byok.invalid', ...args], {
    cwd: dir,
    encoding: 'utf8',
    stdio: 'pipe',
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  })
}

/** Commits everything `dir` holds, making it a repository first: `byok integrate` refuses a dirty tree. */
export function commitAll(dir: string, message = 'the app before byok integrate'): void {
  if (!existsSync(join(dir, '.git'))) git(dir, ['init', '-q', '-b', 'main'])
  git(dir, ['add', '-A'])
  git(dir, ['commit', '-q', '--no-verify', '--allow-empty', '-m', message])
}
