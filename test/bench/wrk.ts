// The load generator: wrk (C, epoll), pinned to the load core, one thread. Its Lua script prints one parseable
// line; latency percentiles are wrk's (request start → last byte).
import { execFile, execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { LoadResult, LoadRun } from './load.js'

const script = join(fileURLToPath(new URL('.', import.meta.url)), 'post.lua')

export const WRK_MISSING =
  'wrk is not installed: install it with `sudo apt-get install wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)'

export function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' })
    return true
  } catch (error) {
    // wrk --version prints its usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT'
  }
}

export function runWrk(run: LoadRun, core: string | undefined): Promise<LoadResult> {
  const seconds = Math.max(1, Math.round(run.durationMs / 1000))
  const wrkArgs = ['-t1', `-c${run.concurrency}`, `-d${seconds}s`, '--timeout', '10s', '-s', script]
  const argv = [...wrkArgs, run.origin + run.path]
  const [cmd, args] = core === undefined ? ['wrk', argv] : ['taskset', ['-c', core, 'wrk', ...argv]]
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { env: { ...process.env, BENCH_BODY: run.body, BENCH_TOKEN: run.token ?? '' } },
      (error, stdout) => {
        const m = /BENCH requests=(\d+) duration_us=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+)/.exec(stdout)
        if (error || !m) {
          reject(new Error(`wrk failed: ${error?.message ?? stdout}`))
          return
        }
        const [requests, durationUs, errors, p50, p99] = m.slice(1).map(Number) as [
          number,
          number,
          number,
          number,
          number,
        ]
        resolve({
          requests,
          errors,
          rps: requests / (durationUs / 1e6),
          p50: p50 / 1000,
          p99: p99 / 1000,
        })
      },
    )
  })
}
