import { readFileSync, statSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { runByok, spawnByok, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'

const SECRET = 'production-secret-for-tests-0123456789abcdef'
const ANTHROPIC_KEY = 'sk-ant-api03-test-key-0123456789abcdef'

async function registerAndStore(url: string): Promise<string> {
  const res = await fetch(`${url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: 'cli-test' }),
  })
  expect(res.status).toBe(200)
  const { token } = (await res.json()) as { token: string }
  const stored = await fetch(`${url}/keys/anthropic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: JSON.stringify({ key: ANTHROPIC_KEY }),
  })
  expect(stored.status).toBe(200)
  return token
}

async function listProviders(url: string, token: string): Promise<string[]> {
  const res = await fetch(`${url}/keys`, { headers: { 'x-relay-token': token } })
  expect(res.status).toBe(200)
  return ((await res.json()) as { providers: string[] }).providers
}

describe('byok bin', () => {
  it('--help lists the commands and exits 0', async () => {
    await withTempDir(async (cwd) => {
      const { code, stdout } = await runByok(['--help'], { cwd })
      expect(code).toBe(0)
      expect(stdout).toContain('start')
      expect(stdout).toContain('dev')
    })
  })

  it('an unknown command prints the usage and fails with exit 1', async () => {
    await withTempDir(async (cwd) => {
      const { code, stdout, stderr } = await runByok(['frobnicate'], { cwd })
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toMatch(/^byok: unknown command "frobnicate"$/m)
      expect(stderr).toContain('USAGE')
      for (const command of ['start', 'dev', 'create', 'mcp']) expect(stderr).toContain(command)
    })
  })

  it('start refuses to run without ENCRYPTION_SECRET', async () => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['start', '--port', '0'], { cwd })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^byok: invalid configuration: ENCRYPTION_SECRET/m)
    })
  })

  it('start names the bad variable and never echoes a secret', async () => {
    await withTempDir(async (cwd) => {
      const { code, stderr } = await runByok(['start'], {
        cwd,
        env: { ENCRYPTION_SECRET: SECRET, TOKEN_HMAC_SECRET: 'short-secret', PORT: '0' },
      })
      expect(code).toBe(1)
      expect(stderr).toContain('TOKEN_HMAC_SECRET')
      expect(stderr).not.toContain('short-secret')
    })
  })

  it('start runs in production mode on 0.0.0.0 and stops cleanly on SIGTERM', async () => {
    await withTempDir(async (cwd) => {
      const relay = spawnByok(['start', '--port', '0'], { cwd, env: { ENCRYPTION_SECRET: SECRET } })
      const [, url] = await relay.waitFor(/listening on (http:\/\/\S+) \(production mode/)
      const port = new URL(url!).port
      expect(url).toContain('0.0.0.0')
      const health = await fetch(`http://127.0.0.1:${port}/health`)
      expect(health.status).toBe(200)
      relay.child.kill('SIGTERM')
      expect(await relay.exited()).toEqual({ code: 0, signal: null })
      expect(relay.stderr()).toContain('SIGTERM received')
      // Besides JSON log lines (pino, stdout), exactly one human line: the start-up line.
      const human = relay
        .stdout()
        .trim()
        .split('\n')
        .filter((line) => !line.startsWith('{'))
      expect(human).toEqual([expect.stringMatching(/^byok relay \S+ listening on/)])
    })
  })

  it('start reads .env, with the environment taking precedence', async () => {
    await withTempDir(async (cwd) => {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(join(cwd, '.env'), `ENCRYPTION_SECRET=${SECRET}\nPORT=1\n`)
      const relay = spawnByok(['start'], { cwd, env: { PORT: '0' } })
      await relay.waitFor(/listening on http:\/\/\S+ \(production mode/)
      relay.child.kill('SIGINT')
      expect((await relay.exited()).code).toBe(0)
    })
  })

  it('dev generates secrets once (0600), binds 127.0.0.1, and keeps keys across restarts', async () => {
    await withTempDir(async (cwd) => {
      // The data dir is the per-user one by default: tests point it into their temp dir.
      const first = spawnByok(['dev', '--port', '0', '--data-dir', 'data'], { cwd })
      const [, url1] = await first.waitFor(/listening on (http:\/\/\S+) \(dev mode/)
      expect(url1).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(first.stderr()).toContain('generated dev secrets')
      const secretsPath = join(cwd, 'data', 'dev-secrets.json')
      expect(statSync(secretsPath).mode & 0o777).toBe(0o600)
      expect(statSync(join(cwd, 'data', 'relay.db')).mode & 0o077).toBe(0)
      const secrets = readFileSync(secretsPath, 'utf8')
      const token = await registerAndStore(url1!)
      first.child.kill('SIGTERM')
      expect((await first.exited()).code).toBe(0)

      const second = spawnByok(['dev', '--port', '0'], { cwd, env: { BYOK_DATA_DIR: join(cwd, 'data') } })
      const [, url2] = await second.waitFor(/listening on (http:\/\/\S+) \(dev mode/)
      expect(second.stderr()).not.toContain('generated dev secrets')
      expect(readFileSync(secretsPath, 'utf8')).toBe(secrets)
      expect(await listProviders(url2!, token)).toEqual(['anthropic'])
      second.child.kill('SIGINT')
      expect((await second.exited()).code).toBe(0)
      // The generated secrets are never printed.
      const { ENCRYPTION_SECRET } = JSON.parse(secrets) as { ENCRYPTION_SECRET: string }
      expect(first.stdout() + first.stderr() + second.stdout() + second.stderr()).not.toContain(
        ENCRYPTION_SECRET,
      )
    })
  })

  it('a port already in use is a one-line failure; a byok relay there is named as such', async () => {
    await withTempDir(async (cwd) => {
      const env = { BYOK_DATA_DIR: join(cwd, 'data') }
      const first = spawnByok(['dev', '--port', '0'], { cwd, env })
      const [, url] = await first.waitFor(/listening on (http:\/\/\S+) \(dev mode/)
      const port = new URL(url!).port
      const { code, stderr } = await runByok(['dev', '--port', port], { cwd, env })
      expect(code).toBe(1)
      expect(stderr).toMatch(/^byok: a byok relay is already running at http:\/\/127\.0\.0\.1:\d+$/m)
      expect(stderr).toMatch(/^hint: Use that one .* --port picks another port\.$/m)
      const foreign = createServer((_req, res) => res.end('not a relay'))
      await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve))
      const taken = await runByok(['dev', '--port', String((foreign.address() as AddressInfo).port)], {
        cwd,
        env,
      })
      foreign.close()
      expect(taken.code).toBe(1)
      expect(taken.stderr).toMatch(/^byok: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)/m)
      first.child.kill('SIGTERM')
      await first.exited()
    })
  }, 90_000)
})
