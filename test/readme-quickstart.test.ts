import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { DEV_MOCK_SETTINGS, textDeltas } from '@byok/relay/mock-providers'
import { describe, expect, it } from 'vitest'
import { withFreshCheckout } from './fresh-checkout.js'
import { REPO_ROOT, readmeCommands, readmeCurlFlow, readmeMockCommand } from './readme.js'

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

  it('the start command installs and serves with --mock, and the curl flow stores a key and streams a reply', async () => {
    const { start } = readmeCommands()
    const mock = readmeMockCommand()
    // The "Try it" command is the start command's last step plus --mock; run them together on the fresh checkout.
    expect(start.endsWith(mock.replace(/ --mock$/, ''))).toBe(true)
    await withFreshCheckout(async (dir) => {
      // PORT=0: the README's default port may be taken on a shared machine; the flow reads the real address.
      const child = spawn('bash', ['-c', `${start} --mock`], {
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
        const [stored, listed, ...stream] = out.trim().split('\n')
        expect(JSON.parse(stored!)).toEqual({ ok: true, provider: 'openai' })
        const keys = JSON.parse(listed!) as { providers: string[]; keys: { hint: string }[] }
        expect(keys.providers).toEqual(['openai'])
        expect(keys.keys[0]!.hint).toBe('…-key')
        expect(listed).not.toContain('replace-with-your-own')
        const events = stream.filter((line) => line.startsWith('data: '))
        expect(events.at(-1)).toBe('data: [DONE]')
        const text = events
          .slice(0, -1)
          .map((line) => JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] })
          .map((chunk) => chunk.choices[0]?.delta.content ?? '')
          .join('')
        expect(text).toBe(textDeltas(DEV_MOCK_SETTINGS.chunks).join(''))
        expect(out).not.toContain('replace-with-your-own')
      } finally {
        // The whole group: bash → npx → pnpm → node.
        if (child.pid) process.kill(-child.pid, 'SIGTERM')
      }
    })
  })
})
