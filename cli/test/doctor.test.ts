import { createServer } from 'node:net'
import { join } from 'node:path'
import { type Env, loadConfig, type RunningRelay, startRelay } from '@byok/relay'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CliIo } from '../src/io.js'
import { runCli } from '../src/run-cli.js'
import { runByok, withTempDir } from './helpers.js'

const APP_ORIGIN = 'https://app.example.com'

function createTestIo(env: Env = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    env,
    cwd: process.cwd(),
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    waitForShutdown: () => new Promise(() => {}),
  }
}

async function doctor(args: string[], env: Env = {}) {
  const io = createTestIo(env)
  const code = await runCli(['doctor', ...args], io)
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') }
}

interface Report {
  ok: boolean
  checks: { id: string; status: string; detail: string; hint?: string }[]
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

let relay: RunningRelay
let token: string
beforeAll(async () => {
  relay = await startRelay(
    loadConfig({
      ENCRYPTION_SECRET: 'doctor-test-secret-0123456789abcdefgh',
      DB_PATH: ':memory:',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ALLOWED_ORIGINS: APP_ORIGIN,
    }),
  )
  const res = await fetch(`${relay.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"app_id":"doctor"}',
  })
  token = ((await res.json()) as { token: string }).token
  await fetch(`${relay.url}/keys/openai`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: '{"key":"sk-proj-DoctorTest0123456789abcdef"}',
  })
})
afterAll(() => relay.close(1000))

describe('byok doctor', () => {
  it('passes health, version, CORS and the keys round trip against a well-configured relay', async () => {
    const { code, stdout } = await doctor([
      '--relay-url',
      relay.url,
      '--origin',
      APP_ORIGIN,
      '--token',
      token,
    ])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^✓ health {3}ok \(production mode/m)
    expect(stdout).toMatch(/^✓ version {2}byok-relay \d+\.\d+\.\d+/m)
    expect(stdout).toMatch(/^✓ cors {5}https:\/\/app\.example\.com may call the relay$/m)
    expect(stdout).toMatch(/^✓ keys {5}token accepted; keys stored for openai$/m)
    expect(stdout).toMatch(/^all 4 checks passed$/m)
  })

  it('--json prints a report an agent can parse', async () => {
    const { code, stdout } = await doctor(['--relay-url', relay.url, '--origin', APP_ORIGIN, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as Report
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['health', 'pass'],
      ['version', 'pass'],
      ['cors', 'pass'],
    ])
  })

  it('reports the CORS failure for an origin outside ALLOWED_ORIGINS and exits 1', async () => {
    const { code, stdout, stderr } = await doctor([
      '--relay-url',
      relay.url,
      '--origin',
      'https://other.example.com',
      '--json',
    ])
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as Report
    expect(report.ok).toBe(false)
    const cors = report.checks.find((c) => c.id === 'cors')!
    expect(cors.status).toBe('fail')
    expect(cors.detail).toContain('https://other.example.com is blocked by CORS')
    expect(cors.hint).toBe('Add https://other.example.com to ALLOWED_ORIGINS on the relay and restart it.')
    expect(stderr).toBe('byok: 1 check failed: cors')
  })

  it('reports a rejected token with the relay’s code', async () => {
    const { code, stdout } = await doctor(['--relay-url', relay.url, '--token', 'byok_rt_not-a-real-token'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^✗ keys {5}GET \/keys answered 401 token_invalid$/m)
    expect(stdout).toContain('hint: Register again with POST /users')
  })

  it('reports an unreachable relay', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const { code, stdout, stderr } = await doctor(['--relay-url', url])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^✗ health {3}cannot reach http:\/\/127\.0\.0\.1:\d+: /m)
    expect(stderr).toBe('byok: 2 checks failed: health, version')
  })

  it('reports the project check as skipped (it needs the codemod, not built yet)', async () => {
    const { code, stdout } = await doctor([join('some', 'app'), '--relay-url', relay.url, '--json'])
    expect(code).toBe(0)
    const project = (JSON.parse(stdout) as Report).checks.find((c) => c.id === 'project')!
    expect(project.status).toBe('skip')
  })

  it('refuses a malformed --origin or --relay-url in one line', async () => {
    expect((await doctor(['--relay-url', relay.url, '--origin', 'app.example.com'])).stderr).toMatch(
      /^byok: --origin "app\.example\.com" is not an origin\nhint: /,
    )
    expect((await doctor(['--relay-url', 'ftp://x'])).stderr).toBe(
      'byok: --relay-url "ftp://x" is not an http(s) URL',
    )
  })

  it('the bin exits 1 on a failing check', async () => {
    await withTempDir(async (cwd) => {
      const url = `http://127.0.0.1:${await closedPort()}`
      const { code, stdout, stderr } = await runByok(['doctor', '--relay-url', url], { cwd })
      expect(code).toBe(1)
      expect(stdout).toContain('✗ health')
      expect(stderr).toMatch(/^byok: 2 checks failed: health, version\n$/)
    })
  })
})
