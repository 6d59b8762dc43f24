import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCommand } from 'citty'
import { describe, expect, it } from 'vitest'
import { createIntegrateCommand, type IntegrateDeps } from '../../src/commands/integrate.js'
import type { CliIo } from '../../src/io.js'
import type { Prompter } from '../../src/scaffold/prompt.js'
import { withTempDir } from '../helpers.js'
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

const SDK_FILE = 'src/lib/openai.ts'

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
