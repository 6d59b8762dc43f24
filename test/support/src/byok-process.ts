import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// The CLI's bin from source: this package sits at test/support in the byok repository, beside cli/.
const BIN = fileURLToPath(new URL('../../../cli/src/bin/byok.ts', import.meta.url))
// Resolved here, not from the child's cwd, so the CLI can run in any temp directory.
const TSX = import.meta.resolve('tsx')

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
