import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { type Env, loadConfig, type RunningRelay, startRelay } from '@byok/relay'
import { runByok, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import type { CliIo } from '../src/io.js'
import { runCli } from '../src/run-cli.js'

const SECRET = 'backup-restore-secret-0123456789abcdef'
const WRITERS = 8

/** A CliIo that records output; `byok backup|restore` never wait for signals. */
function createTestIo(cwd: string, env: Env = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    env,
    cwd,
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    waitForShutdown: () => new Promise(() => {}),
  }
}

async function startTestRelay(dbPath: string, env: Env = {}): Promise<RunningRelay> {
  return startRelay(
    loadConfig({
      ENCRYPTION_SECRET: SECRET,
      DB_PATH: dbPath,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      RATE_LIMIT_GLOBAL_PER_MIN: '0',
      RATE_LIMIT_RELAY_PER_MIN: '0',
      RATE_LIMIT_REGISTER_PER_HOUR: '0',
      ...env,
    }),
  )
}

/** A loopback stand-in for OpenAI that records the Authorization header of each call. */
async function startRecordingUpstream(): Promise<{
  origin: string
  seen: IncomingHttpHeaders[]
  close(): Promise<void>
}> {
  const seen: IncomingHttpHeaders[] = []
  const server = createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"ok":true}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

interface Acked {
  readonly token: string
  readonly key: string
  /** performance.now() when the relay answered 200. */
  readonly at: number
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** One writer: registers a fresh user and stores a fresh key for it, again and again, until `stop()`. */
async function writeKeys(relayUrl: string, writer: number, acked: Acked[], stopped: () => boolean) {
  for (let i = 0; !stopped(); i++) {
    const registered = await post(`${relayUrl}/users`, { app_id: `writer-${writer}` })
    expect(registered.status).toBe(200)
    const { token } = (await registered.json()) as { token: string }
    const key = `sk-proj-w${writer}n${i}-${randomBytes(12).toString('hex')}`
    const stored = await post(`${relayUrl}/keys/openai`, { key }, { 'x-relay-token': token })
    expect(stored.status).toBe(200)
    acked.push({ token, key, at: performance.now() })
  }
}

describe('byok backup / restore', () => {
  it('a backup taken while 8 clients write keys restores every key acknowledged before it began', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'live', 'relay.db')
      const backupPath = join(dir, 'backups', 'relay-backup.db')
      const restoredPath = join(dir, 'restored', 'relay.db')
      const relay = await startTestRelay(dbPath)
      const acked: Acked[] = []
      let stop = false
      const writers = Array.from({ length: WRITERS }, (_, w) => writeKeys(relay.url, w, acked, () => stop))
      try {
        await expect.poll(() => acked.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(WRITERS * 5)
        const io = createTestIo(dir)
        const startedAt = performance.now()
        const code = await runCli(['backup', backupPath, '--db-path', dbPath], io)
        const ackedDuring = acked.filter((a) => a.at > startedAt).length
        expect(code, io.stderr.join('\n')).toBe(0)
        expect(io.stdout.join('\n')).toMatch(/^backup written: .*relay-backup\.db \(\d+ bytes\)$/)
        expect(io.stderr.join('\n')).toContain('100%')
        expect(statSync(backupPath).mode & 0o777).toBe(0o600)
        // Writes keep flowing after the backup: the relay was never blocked.
        await expect.poll(() => acked.length, { timeout: 10_000 }).toBeGreaterThan(ackedDuring + 16)

        // Restoring over the running relay's database is refused.
        const refused = createTestIo(dir)
        expect(await runCli(['restore', backupPath, '--db-path', dbPath], refused)).toBe(1)
        expect(refused.stderr[0]).toMatch(/looks in use .*refusing to overwrite a live database/)

        const before = acked.filter((a) => a.at < startedAt)
        expect(before.length).toBeGreaterThanOrEqual(WRITERS * 5)
        stop = true
        await Promise.all(writers)

        const restoreIo = createTestIo(dir, { DB_PATH: restoredPath })
        expect(await runCli(['restore', backupPath], restoreIo), restoreIo.stderr.join('\n')).toBe(0)
        expect(restoreIo.stdout[0]).toContain(`restored ${restoredPath}`)

        // A relay on the restored file decrypts each of those keys: the upstream receives exactly that key.
        const upstream = await startRecordingUpstream()
        const restored = await startTestRelay(restoredPath, { OPENAI_BASE_URL: upstream.origin })
        try {
          for (const { token, key } of before) {
            const res = await post(
              `${restored.url}/relay/openai/v1/chat/completions`,
              { model: 'gpt-4o-mini' },
              { 'x-relay-token': token },
            )
            expect(res.status, await res.text()).toBe(200)
            expect(upstream.seen.at(-1)?.authorization).toBe(`Bearer ${key}`)
          }
        } finally {
          await restored.close(1000)
          await upstream.close()
        }
      } finally {
        stop = true
        await Promise.allSettled(writers)
        await relay.close(1000)
      }
    })
  }, 60_000)

  it('restore keeps the replaced database and --force overrides the live check', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const backupPath = join(dir, 'snapshot.db')
      const relay = await startTestRelay(dbPath)
      try {
        expect((await post(`${relay.url}/users`, { app_id: 'a' })).status).toBe(200)
        expect(await runCli(['backup', backupPath, '--db-path', dbPath], createTestIo(dir))).toBe(0)
        // An existing backup is not overwritten without --force.
        const again = createTestIo(dir)
        expect(await runCli(['backup', backupPath, '--db-path', dbPath], again)).toBe(1)
        expect(again.stderr[0]).toMatch(/already exists$/)
        expect(await runCli(['backup', backupPath, '--db-path', dbPath, '--force'], createTestIo(dir))).toBe(
          0,
        )

        const forced = createTestIo(dir)
        expect(await runCli(['restore', backupPath, '--db-path', dbPath, '--force'], forced)).toBe(0)
        expect(forced.stderr.join('\n')).toContain('keeps using the old file until it is restarted')
        expect(forced.stdout[0]).toMatch(/previous database kept as .*relay\.db\.pre-restore-/)
      } finally {
        await relay.close(1000)
      }
    })
  })

  it('backs up and restores a stopped relay database without --force, leaving no -wal/-shm behind', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const backupPath = join(dir, 'snapshot.db')
      const relay = await startTestRelay(dbPath)
      const registered = await post(`${relay.url}/users`, { app_id: 'a' })
      const { token } = (await registered.json()) as { token: string }
      await relay.close(1000)
      expect(await runCli(['backup', backupPath, '--db-path', dbPath], createTestIo(dir))).toBe(0)
      expect(existsSync(`${dbPath}-wal`) || existsSync(`${dbPath}-shm`)).toBe(false)
      const io = createTestIo(dir)
      expect(await runCli(['restore', backupPath, '--db-path', dbPath], io), io.stderr.join('\n')).toBe(0)
      const restarted = await startTestRelay(dbPath)
      try {
        const keys = await fetch(`${restarted.url}/keys`, { headers: { 'x-relay-token': token } })
        expect(keys.status).toBe(200)
      } finally {
        await restarted.close(1000)
      }
    })
  })

  // Issue 17 item 7: the temp file (sealed keys, token digests) was 0644 until the copy finished.
  it('writes the snapshot owner-only from its first byte, whatever the umask', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const relay = await startTestRelay(dbPath)
      await post(`${relay.url}/users`, { app_id: 'a' })
      await relay.close(1000)
      const out = join(dir, 'out')
      const io = createTestIo(dir)
      // The progress lines arrive while the copy is being written: look at the temp file then.
      const modes: number[] = []
      const err = io.err
      io.err = (line) => {
        err(line)
        if (!existsSync(out)) return
        for (const name of readdirSync(out).filter((n) => n.endsWith('.tmp')))
          modes.push(statSync(join(out, name)).mode & 0o777)
      }
      const previous = process.umask(0o022)
      try {
        expect(await runCli(['backup', join(out, 'snapshot.db'), '--db-path', dbPath], io)).toBe(0)
      } finally {
        process.umask(previous)
      }
      expect(modes.length).toBeGreaterThan(0)
      for (const mode of modes) expect(mode.toString(8)).toBe('600')
      expect((statSync(join(out, 'snapshot.db')).mode & 0o777).toString(8)).toBe('600')
    })
  })

  it('refuses a file that is not a relay database, and leaves the target untouched', async () => {
    await withTempDir(async (dir) => {
      const junk = join(dir, 'junk.db')
      writeFileSync(junk, 'not a database at all')
      const io = createTestIo(dir)
      expect(await runCli(['restore', junk, '--db-path', join(dir, 'relay.db')], io)).toBe(1)
      expect(io.stderr.join('\n')).toMatch(/^byok: .*junk\.db is not a usable relay backup/m)
      expect(existsSync(join(dir, 'relay.db'))).toBe(false)
    })
  })

  it('the bin reports a missing database in one line and exits 1', async () => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['backup', 'out.db', '--db-path', 'nope/relay.db'], { cwd })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^byok: no database at .*nope\/relay\.db\nhint: Pass --db-path/)
    })
  })
})
