import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { withFreshCheckout } from './fresh-checkout.js'
import { REPO_ROOT, readmeCommands, readmeCurlFlow } from './readme.js'

// Only what a new user's shell would have: no pnpm/vitest variables leaking in from the test runner.
function userEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }
  for (const name of ['TMPDIR', 'LANG', 'COREPACK_INTEGRITY_KEYS']) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return { ...env, ...extra }
}

function waitForListening(child: ChildProcess, timeoutMs: number): Promise<string> {
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in time:\n${output}`)), timeoutMs)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = output.match(/listening on (http:\/\/\S+) \(dev mode/)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`start command exited with ${code} before listening:\n${output}`))
    })
  })
}

describe('README quick start on a fresh checkout', () => {
  it('CI runs exactly the README test command', () => {
    const ci = readFileSync(`${REPO_ROOT}/.ci/run`, 'utf8')
    expect(ci.split('\n')).toContain(readmeCommands().test)
  })

  it('the start command installs and serves, and the curl flow stores and lists a key', async () => {
    const { start } = readmeCommands()
    await withFreshCheckout(async (dir) => {
      // PORT=0: the README's default port may be taken on a shared machine; the flow reads the real address.
      const child = spawn('bash', ['-c', start], {
        cwd: dir,
        // BYOK_DATA_DIR: `byok dev` keeps its data in the per-user dir; a test never touches the real one.
        env: userEnv({ PORT: '0', BYOK_DATA_DIR: `${dir}/.byok-data` }),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
      try {
        const url = await waitForListening(child, 280_000)
        const flow = readmeCurlFlow().replace(/^RELAY=.*$/m, `RELAY=${url}`)
        const out = execFileSync('bash', ['-euo', 'pipefail', '-c', flow], { cwd: dir, encoding: 'utf8' })
        const [stored, listed] = out.trim().split('\n')
        expect(JSON.parse(stored!)).toEqual({ ok: true, provider: 'anthropic' })
        const keys = JSON.parse(listed!) as { providers: string[]; keys: { hint: string }[] }
        expect(keys.providers).toEqual(['anthropic'])
        expect(keys.keys[0]!.hint).toBe('…-key')
        expect(listed).not.toContain('replace-with-your-own')
      } finally {
        // The whole group: bash → npx → pnpm → node.
        if (child.pid) process.kill(-child.pid, 'SIGTERM')
      }
    })
  })
})
