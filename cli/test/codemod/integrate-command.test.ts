import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { runCommand } from 'citty'
import { describe, expect, it } from 'vitest'
import { TRANSFORMS } from '../../src/codemod/transforms/index.js'
import type { Transform } from '../../src/codemod/types.js'
import { createIntegrateCommand, type IntegrateDeps } from '../../src/commands/integrate.js'
import type { CliIo } from '../../src/io.js'
import { runCli } from '../../src/run-cli.js'
import type { Prompter } from '../../src/scaffold/prompt.js'
import { fixturesDir } from './helpers.js'

function createIo(cwd: string) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIo = {
    env: {},
    cwd,
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    waitForShutdown: () => new Promise(() => {}),
  }
  return { io, out, err }
}

function fakePrompter(interactive: boolean, answer: string): () => Prompter {
  return () => ({
    interactive,
    text: async () => answer,
    choose: async () => '',
    close: () => {},
  })
}

async function integrate(dir: string, rawArgs: string[], deps: Partial<IntegrateDeps>) {
  const { io, err } = createIo(dir)
  await runCommand(createIntegrateCommand(io, deps), { rawArgs })
  return err.join('\n')
}

/** Runs the command and returns what it printed and the error it ended with (undefined = exit 0). */
async function integrateOutcome(dir: string, rawArgs: string[], deps: Partial<IntegrateDeps>) {
  const { io, out, err } = createIo(dir)
  const error = await runCommand(createIntegrateCommand(io, deps), { rawArgs }).then(
    () => undefined,
    (e: unknown) => e as { code: string; exitCode: number; message: string },
  )
  return { error, stdout: out.join('\n'), stderr: err.join('\n') }
}

const explodeOnMain: Transform = {
  id: 'explode',
  title: 'throws on src/main.tsx',
  apply(file) {
    if (file.getFilePath().endsWith('src/main.tsx')) throw new Error('cannot parse on purpose')
    return { changes: 0, diagnostics: [] }
  },
}

const SDK_FILE = 'src/lib/openai.ts'

/** A Vite app opening a Gemini Live WebSocket: always manual (the relay has no WebSocket proxy). */
function writeLiveProject(dir: string): void {
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'package.json'), '{"name":"live","devDependencies":{"vite":"7"}}\n')
  writeFileSync(
    join(dir, 'src/live.js'),
    "export const connect = (k) =>\n  new WebSocket('wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=' + k)\n",
  )
}

describe('integrate command (in process, injected git and prompt)', () => {
  it('refuses a dirty git tree unless --force', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
      const original = readFileSync(join(dir, SDK_FILE), 'utf8')
      const dirty = { gitStatus: () => ' M src/App.tsx\n', prompter: fakePrompter(false, '') }
      await expect(integrate(dir, ['--yes'], dirty)).rejects.toMatchObject({ code: 'git_dirty' })
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toBe(original)
      // A dry run never needs a clean tree.
      await integrate(dir, ['--dry-run'], dirty)
      const err = await integrate(dir, ['--yes', '--force'], dirty)
      expect(err).toContain('continuing because of --force')
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toContain('byok.fetch')
    }))

  it('asks on a TTY and writes nothing when the answer is no', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
      const original = readFileSync(join(dir, SDK_FILE), 'utf8')
      const clean = { gitStatus: () => '' }
      const err = await integrate(dir, [], { ...clean, prompter: fakePrompter(true, 'n') })
      expect(err).toContain('cancelled, nothing written')
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toBe(original)
      await integrate(dir, [], { ...clean, prompter: fakePrompter(true, 'y') })
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toContain('byok.fetch')
    }))
})

describe('integrate command: outcomes and exit codes', () => {
  const clean = { gitStatus: () => '', prompter: fakePrompter(false, '') }

  it('exit 2 when some files errored: the others are applied and the report is still printed', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
      const { error, stdout } = await integrateOutcome(dir, ['--yes', '--json'], {
        ...clean,
        transforms: [explodeOnMain, ...TRANSFORMS],
      })
      expect(error).toMatchObject({
        code: 'integrate_file_errors',
        exitCode: 2,
        message: '1 file(s) could not be processed',
      })
      const report = JSON.parse(stdout) as { applied: boolean; files: { path: string; status: string }[] }
      expect(report.applied).toBe(true)
      expect(report.files.find((f) => f.path === 'src/main.tsx')?.status).toBe('error')
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toContain('byok.fetch')
    }))

  it('manual items exit 0, or 3 with --fail-on-manual (file errors win with 2)', () =>
    withTempDir(async (dir) => {
      writeLiveProject(dir)
      const plain = await integrateOutcome(dir, ['--dry-run'], clean)
      expect(plain.error).toBeUndefined()
      expect(plain.stderr).toContain(
        'Needs manual work:\n  src/live.js:2 — new WebSocket(…) opens a WebSocket to google from the browser',
      )
      const strict = await integrateOutcome(dir, ['--dry-run', '--fail-on-manual'], clean)
      expect(strict.error).toMatchObject({ code: 'integrate_manual_work', exitCode: 3 })
      const both = await integrateOutcome(dir, ['--dry-run', '--fail-on-manual'], {
        ...clean,
        transforms: [
          {
            ...explodeOnMain,
            apply: () => {
              throw new Error('every file fails')
            },
          },
          ...TRANSFORMS,
        ],
      })
      expect(both.error).toMatchObject({ exitCode: 2 })
    }))

  it('runCli returns the command-chosen exit code, whatever the verbosity', () =>
    withTempDir(async (dir) => {
      writeLiveProject(dir)
      for (const extra of [[], ['--json'], ['--verbose']]) {
        const { io, err } = createIo(dir)
        const code = await runCli(['integrate', '.', '--dry-run', '--fail-on-manual', ...extra], io)
        expect(code, extra.join(' ')).toBe(3)
        expect(err.at(-2)).toBe('byok: 1 item(s) need manual work (--fail-on-manual)')
      }
    }))

  it('progress goes to stderr: the scan size always, one line per file with --verbose', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'plain-fetch-gemini'), dir, { recursive: true })
      const quiet = await integrateOutcome(dir, ['--dry-run'], clean)
      expect(quiet.stderr).toContain('byok integrate: scanning 3 source file(s)…')
      // Without --verbose only a slow file (over 1s, which a loaded machine can hit) gets a line, with its time.
      expect(quiet.stderr).not.toMatch(/\[\d\/3\] \S+ \((modified|unchanged)\)$/m)
      expect(quiet.stdout).toContain('--- a/src/gemini.js')
      expect(quiet.stdout).not.toContain('scanning')
      const verbose = await integrateOutcome(dir, ['--dry-run', '--verbose'], clean)
      expect(verbose.stderr).toMatch(
        /^ {2}\[1\/3\] src\/gemini\.js \(modified(, \d+\.\ds)?\)\n {2}\[2\/3\] src\/main\.js \(unchanged(, \d+\.\ds)?\)$/m,
      )
    }))

  it('a dry run never writes, and a plan made stale before applying is refused with exit 1', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
      const original = readFileSync(join(dir, SDK_FILE), 'utf8')
      await integrateOutcome(dir, ['--dry-run', '--yes'], clean)
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toBe(original)
      const { writeFileSync } = await import('node:fs')
      // The prompt is the window in which a file can change: edit it while "the user" reads the plan.
      const stale = await integrateOutcome(dir, [], {
        gitStatus: () => '',
        prompter: () => ({
          interactive: true,
          text: async () => {
            writeFileSync(join(dir, SDK_FILE), '// edited meanwhile\n')
            return 'y'
          },
          choose: async () => '',
          close: () => {},
        }),
      })
      expect(stale.error).toMatchObject({ code: 'plan_stale', exitCode: 1 })
      expect(readFileSync(join(dir, SDK_FILE), 'utf8')).toBe('// edited meanwhile\n')
    }))
})
