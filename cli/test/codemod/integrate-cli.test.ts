import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnByok, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { TRANSFORMS } from '../../src/codemod/transforms/index.js'
import { fixturesDir } from './helpers.js'

function snapshotDir(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) Object.assign(out, snapshotDir(dir, rel))
    else out[rel] = readFileSync(join(dir, rel), 'utf8')
  }
  return out
}

async function run(args: string[], cwd: string) {
  const child = spawnByok(args, { cwd })
  const { code } = await child.exited()
  return { code, stdout: child.stdout(), stderr: child.stderr() }
}

describe('byok integrate (the bin as a process)', () => {
  it(
    '--dry-run prints a unified diff and writes nothing',
    () =>
      withTempDir(async (dir) => {
        cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
        const before = snapshotDir(dir)
        const { code, stdout, stderr } = await run(['integrate', '.', '--dry-run'], dir)
        expect(code).toBe(0)
        expect(stdout).toContain('--- a/src/lib/openai.ts\n+++ b/src/lib/openai.ts\n@@ ')
        expect(stdout).toContain("-  apiKey: import.meta.env.VITE_OPENAI_API_KEY,\n+  apiKey: 'byok-relay',")
        expect(stdout).toContain('--- /dev/null\n+++ b/src/lib/byok-instance.ts')
        expect(stderr).toContain('dry run: nothing written')
        expect(stderr).toContain('.env: VITE_OPENAI_API_KEY')
        expect(stdout + stderr).not.toContain('sk-test-fixture')
        expect(snapshotDir(dir)).toEqual(before)
      }),
    90_000,
  )

  it(
    'without --yes and without a TTY it plans only and says how to apply',
    () =>
      withTempDir(async (dir) => {
        cpSync(fixturesDir('fixtures', 'plain-fetch-gemini'), dir, { recursive: true })
        const before = snapshotDir(dir)
        const { code, stderr } = await run(['integrate'], dir)
        expect(code).toBe(0)
        expect(stderr).toContain('planned only (no TTY). To apply: byok integrate . --yes')
        expect(snapshotDir(dir)).toEqual(before)
      }),
    90_000,
  )

  it(
    '--yes --json applies and prints the report; a second run changes nothing',
    () =>
      withTempDir(async (dir) => {
        cpSync(fixturesDir('fixtures', 'plain-fetch-gemini'), dir, { recursive: true })
        const first = await run(['integrate', '--yes', '--json'], dir)
        expect(first.code).toBe(0)
        const report = JSON.parse(first.stdout) as {
          applied: boolean
          files: { path: string; status: string }[]
          writes?: unknown
        }
        expect(report.applied).toBe(true)
        expect(report.writes).toBeUndefined()
        expect(report.files.find((f) => f.path === 'src/gemini.js')?.status).toBe('modified')
        expect(readFileSync(join(dir, 'src/gemini.js'), 'utf8')).toContain('byok.fetch(byok.relayUrlFor(')
        const after = snapshotDir(dir)
        const second = await run(['integrate', '--yes', '--json'], dir)
        expect(second.code).toBe(0)
        expect((JSON.parse(second.stdout) as { applied: boolean }).applied).toBe(false)
        expect(snapshotDir(dir)).toEqual(after)
      }),
    90_000,
  )

  it(
    '--list names the transforms; an unknown --only id is refused with exit 1',
    () =>
      withTempDir(async (dir) => {
        const list = await run(['integrate', '--list'], dir)
        expect(list.code).toBe(0)
        expect(
          list.stdout
            .split('\n')
            .map((l) => l.split(' ')[0])
            .filter(Boolean),
        ).toEqual(TRANSFORMS.map((t) => t.id))
        const bad = await run(['integrate', '--only', 'nope'], dir)
        expect(bad.code).toBe(1)
        expect(bad.stderr).toContain('byok: unknown transform: nope')
        const help = await run(['integrate', '--help'], dir)
        expect(help.stdout).toMatch(
          /Exit codes: 0 done .*, 1 error or refused .*, 2 done but some files errored, 3 done with items needing manual work and --fail-on-manual given/s,
        )
        expect(help.stdout).toContain('--fail-on-manual')
      }),
    90_000,
  )

  it(
    'containers and CI: --json keeps stdout parseable, progress goes to stderr, --fail-on-manual exits 3',
    () =>
      withTempDir(async (dir) => {
        cpSync(fixturesDir('fixtures', 'html-inline-scripts'), dir, { recursive: true })
        // Gemini Live over a WebSocket: always manual (the relay has no WebSocket proxy).
        writeFileSync(
          join(dir, 'live.js'),
          "export const live = (k) =>\n  new WebSocket('wss://generativelanguage.googleapis.com/ws/x.BidiGenerateContent?key=' + k)\n",
        )
        const before = snapshotDir(dir)
        const { code, stdout, stderr } = await run(
          ['integrate', '--dry-run', '--json', '--fail-on-manual'],
          dir,
        )
        expect(code).toBe(3)
        const report = JSON.parse(stdout) as {
          framework: string
          manual: { file: string; line: number }[]
          files: { path: string; status: string }[]
        }
        expect(report.framework).toBe('static')
        expect(report.manual.map((m) => `${m.file}:${m.line}`)).toEqual(['live.js:2'])
        expect(report.files.find((f) => f.path === 'index.html')?.status).toBe('modified')
        expect(stderr).toContain('byok integrate: scanning 2 source file(s)…')
        expect(stderr).toContain('byok: 1 item(s) need manual work (--fail-on-manual)')
        expect(snapshotDir(dir)).toEqual(before)
      }),
    90_000,
  )
})
