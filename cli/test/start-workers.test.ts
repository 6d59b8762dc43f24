// `byok start --workers N` as a real process: N relay processes behind node:cluster on one port, sharing one
// SQLite file and one Redis; a killed worker is replaced, SIGTERM stops them all.
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import { join } from 'node:path'
import { freePort, runByok, spawnByok, withTempDir } from '@byok/test-kit'
import { useRedisServer } from '@byok/test-kit/redis'
import { describe, expect, it } from 'vitest'

const SECRET = 'workers-test-encryption-secret-0123456789'

/** Children of `pid` (the workers of a primary). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
  } catch {
    return []
  }
}

/** GET on a fresh connection (no keep-alive), so the primary hands each request to the next worker. */
function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The pids that logged a completed request (pino lines carry the pid). */
function servingPids(stdout: string): Set<number> {
  const pids = new Set<number>()
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{') || !line.includes('request completed')) continue
    pids.add((JSON.parse(line) as { pid: number }).pid)
  }
  return pids
}

describe('byok start --workers', () => {
  it('refuses more than one worker without REDIS_URL, naming what would break', async () => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['start', '--workers', '2', '--port', '0'], {
        cwd,
        env: { ENCRYPTION_SECRET: SECRET },
      })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^byok: --workers 2 needs REDIS_URL\nhint: .*2× looser.*revoked token/)
    })
  })

  it('rejects a worker count that is not a number or auto', async () => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['start', '--workers', 'many'], {
        cwd,
        env: { ENCRYPTION_SECRET: SECRET },
      })
      expect(code).toBe(1)
      expect(stderr).toContain('--workers must be a whole number from 1 to 256, or auto (got "many")')
    })
  })

  describe('with Redis', () => {
    const redis = useRedisServer()

    it('serves from 2 workers on one port, replaces a killed one, and stops all on SIGTERM', async () => {
      await withTempDir(async (cwd) => {
        const port = await freePort()
        const relay = spawnByok(['start', '--workers', '2', '--port', String(port), '--host', '127.0.0.1'], {
          cwd,
          env: {
            ENCRYPTION_SECRET: SECRET,
            REDIS_URL: redis().url,
            DB_PATH: join(cwd, 'relay.db'),
            ALLOWED_ORIGINS: 'https://app.example.com',
          },
        })
        try {
          await relay.waitFor(
            /listening on http:\/\/127\.0\.0\.1:\d+ \(production mode; store .*; 2 workers\)/,
            90_000,
          )
          const primary = relay.child.pid ?? 0
          const workers = childPids(primary)
          expect(workers).toHaveLength(2)

          for (let i = 0; i < 8; i++) expect(await get(port, '/version')).toBe(200)
          // Access lines are written in batches within 100 ms.
          for (let i = 0; i < 30 && servingPids(relay.stdout()).size < 2; i++) {
            await new Promise((r) => setTimeout(r, 100))
          }
          expect(servingPids(relay.stdout())).toEqual(new Set(workers))

          process.kill(workers[0] ?? 0, 'SIGKILL')
          await relay.waitFor(
            new RegExp(`worker ${workers[0]} exited \\(signal SIGKILL\\); starting a new one`),
          )
          // Requests keep being answered by the survivor while the replacement starts.
          expect(await get(port, '/version')).toBe(200)
          let replaced: number[] = []
          for (let i = 0; i < 600 && replaced.length === 0; i++) {
            await new Promise((r) => setTimeout(r, 100))
            const now = childPids(primary)
            if (now.length === 2 && !now.includes(workers[0] ?? 0)) replaced = now
          }
          expect(replaced).toContain(workers[1])

          relay.child.kill('SIGTERM')
          const { code } = await relay.exited()
          expect(code).toBe(0)
          expect(relay.stderr()).toContain('byok: SIGTERM received, closing 2 workers')
          expect(relay.stderr()).toContain('byok: stopped')
          for (const pid of replaced) expect(() => process.kill(pid, 0)).toThrow()
        } finally {
          relay.child.kill('SIGKILL')
        }
      })
    }, 180_000)
  })
})
