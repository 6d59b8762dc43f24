import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { listSkillFiles } from '../../cli/src/commands/skill.js'
import { withFreshCheckout } from '../fresh-checkout.js'
import { REPO_ROOT } from '../readme.js'

// skills@1.5.18 is the last release that runs on Node 20 (1.5.19+ need Node 22.20).
const SKILLS_CLI = 'skills@1.5.18'

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-skill-'))
  try {
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A user's shell, minus anything that changes what `skills` does: no agent markers (inside Claude Code or Cursor it
 * would target that agent too), a throwaway HOME, telemetry off. npm keeps the real cache so npx downloads once.
 */
function cleanEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    npm_config_cache: process.env.npm_config_cache || join(homedir(), '.npm'),
    DISABLE_TELEMETRY: '1',
    DO_NOT_TRACK: '1',
  }
}

/** Every file under `dir` with its bytes, keyed by POSIX path: what the comparison of two installs looks at. */
function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {}
  for (const file of listSkillFiles(dir)) tree[file] = readFileSync(join(dir, file)).toString('base64')
  return tree
}

const run = (file: string, args: string[], options: { cwd: string; env: Record<string, string> }) =>
  promisify(execFile)(file, args, { ...options, timeout: 240_000, maxBuffer: 16 * 1024 * 1024 })

const TSX = import.meta.resolve('tsx')
const byok = (args: string[], cwd: string, home: string) =>
  run(
    process.execPath,
    ['--conditions=source', '--import', TSX, join(REPO_ROOT, 'cli/src/bin/byok.ts'), ...args],
    {
      cwd,
      env: cleanEnv(home),
    },
  )

describe('installing the skill', () => {
  it(`npx ${SKILLS_CLI} add <repository> installs exactly skill/, and byok skill install produces the same tree`, () =>
    withFreshCheckout((repo) =>
      withTemp(async (tmp) => {
        const home = join(tmp, 'home')
        const viaSkills = join(tmp, 'via-skills')
        const viaByok = join(tmp, 'via-byok')
        for (const dir of [home, viaSkills, viaByok]) mkdirSync(dir)

        // stdin is not a TTY here: -a and -y are what keep the skills CLI from prompting.
        await run('npx', ['-y', SKILLS_CLI, 'add', repo, '-a', 'claude-code', '-y'], {
          cwd: viaSkills,
          env: cleanEnv(home),
        })
        // Only skill/ was found: the root SKILL.md (metadata.internal) would have copied the whole repository.
        expect(readdirSync(join(viaSkills, '.claude', 'skills'))).toEqual(['byok'])
        const installed = readTree(join(viaSkills, '.claude', 'skills', 'byok'))
        expect(installed).toEqual(readTree(join(repo, 'skill')))
        expect(Object.keys(installed)).toContain('SKILL.md')
        expect(Object.keys(installed)).toContain('references/troubleshooting.md')

        const { stdout } = await byok(['skill', 'install', '--dir', viaByok, '--json'], tmp, home)
        expect(JSON.parse(stdout)).toMatchObject({ agent: 'claude-code', status: 'installed' })
        expect(readTree(join(viaByok, '.claude', 'skills', 'byok'))).toEqual(installed)

        // And byok's own comparison agrees: over the skills CLI's install there is nothing to change.
        const again = await byok(['skill', 'install', '--dir', viaSkills, '--json'], tmp, home)
        expect(JSON.parse(again.stdout)).toMatchObject({ status: 'unchanged' })
      }),
    ))
})
