import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runByok, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { installSkill, listSkillFiles, resolveSkillDir } from '../src/commands/skill.js'

/** A small skill folder, with the files the skills CLI never copies (metadata.json, __pycache__, .git). */
function writeFixtureSkill(dir: string, body = 'body'): string {
  const skill = join(dir, 'skill-src')
  mkdirSync(join(skill, 'references'), { recursive: true })
  mkdirSync(join(skill, '__pycache__'))
  mkdirSync(join(skill, '.git'))
  writeFileSync(join(skill, 'SKILL.md'), `---\nname: byok\ndescription: test\n---\n${body}\n`)
  writeFileSync(join(skill, 'references', 'a.md'), '# A\n')
  writeFileSync(join(skill, 'metadata.json'), '{}')
  writeFileSync(join(skill, '__pycache__', 'x.pyc'), 'x')
  writeFileSync(join(skill, '.git', 'HEAD'), 'x')
  return skill
}

describe('byok skill install', () => {
  it('copies the bundled skill into .claude/skills/byok, then leaves an identical copy alone', () =>
    withTempDir(async (dir) => {
      const first = await runByok(['skill', 'install'], { cwd: dir })
      expect(first.stderr).toBe('')
      expect(first.code).toBe(0)
      const target = join(dir, '.claude', 'skills', 'byok')
      const bundled = resolveSkillDir({}, dir)
      expect(listSkillFiles(target)).toEqual(listSkillFiles(bundled))
      expect(listSkillFiles(target)).toContain('references/troubleshooting.md')
      expect(readFileSync(join(target, 'SKILL.md'), 'utf8')).toBe(
        readFileSync(join(bundled, 'SKILL.md'), 'utf8'),
      )
      expect(first.stdout).toMatch(/^byok skill installed \.claude\/skills\/byok \(\d+ files\)\n$/)

      const second = await runByok(['skill', 'install', '--json'], { cwd: dir })
      expect(second.code).toBe(0)
      expect(JSON.parse(second.stdout)).toMatchObject({
        agent: 'claude-code',
        dir: target,
        status: 'unchanged',
      })
    }))

  it('refuses to clobber different content, replaces it with --force (extra files go), per agent folder', () =>
    withTempDir(async (dir) => {
      const env = { BYOK_SKILL_DIR: writeFixtureSkill(dir) }
      const project = join(dir, 'app')
      const target = join(project, '.agents', 'skills', 'byok')
      mkdirSync(target, { recursive: true })
      writeFileSync(join(target, 'SKILL.md'), 'edited by hand\n')
      writeFileSync(join(target, 'notes.md'), 'mine\n')

      const refused = await runByok(['skill', 'install', '--agent', 'cursor', '--dir', 'app'], {
        cwd: dir,
        env,
      })
      expect(refused.code).toBe(1)
      expect(refused.stderr).toBe(
        `byok: ${target} already exists with different content\n` +
          'hint: Pass --force to replace it (files you added there are removed), or remove it yourself.\n',
      )
      expect(readFileSync(join(target, 'SKILL.md'), 'utf8')).toBe('edited by hand\n')

      const forced = await runByok(
        ['skill', 'install', '--agent', 'codex', '--dir', 'app', '--force', '--json'],
        {
          cwd: dir,
          env,
        },
      )
      expect(forced.code).toBe(0)
      expect(JSON.parse(forced.stdout)).toEqual({
        agent: 'codex',
        dir: target,
        status: 'replaced',
        files: ['SKILL.md', 'references/a.md'],
      })
      // The same files the skills CLI copies: no metadata.json, __pycache__ or .git, and nothing left over.
      expect(listSkillFiles(target)).toEqual(['SKILL.md', 'references/a.md'])
      expect(readdirSync(target).sort()).toEqual(['SKILL.md', 'references'])
      expect(readdirSync(join(project, '.agents', 'skills'))).toEqual(['byok'])
    }))

  it.each([
    [
      ['skill', 'install', '--agent', 'vim'],
      'byok: unknown agent "vim"\nhint: Choose one of: claude-code, cursor, codex.\n',
    ],
    [['skill'], 'byok: missing action: byok skill install\n'],
    [['skill', 'remove'], 'byok: unknown skill action "remove"\n'],
    [['skill', 'install', '--dir', 'nope'], 'is not a directory\n'],
  ])('%j fails with one line and exit 1', (args, message) =>
    withTempDir(async (dir) => {
      const result = await runByok(args, { cwd: dir })
      expect(result.code).toBe(1)
      expect(result.stderr).toContain(message)
      expect(existsSync(join(dir, '.claude'))).toBe(false)
    }),
  )

  it('--help lists the action, the agents and the flags', () =>
    withTempDir(async (dir) => {
      const help = await runByok(['skill', '--help'], { cwd: dir })
      expect(help.code).toBe(0)
      for (const text of [
        'install',
        'claude-code (.claude/skills)',
        'cursor (.agents/skills)',
        '--dir',
        '--force',
        '--json',
      ]) {
        expect(help.stdout).toContain(text)
      }
    }))
})

describe('installSkill', () => {
  it('replaces a symlinked install (as the skills CLI makes for Claude Code) without touching its target', () =>
    withTempDir(async (dir) => {
      const source = writeFixtureSkill(dir, 'new')
      const universal = join(dir, '.agents', 'skills', 'byok')
      mkdirSync(universal, { recursive: true })
      writeFileSync(join(universal, 'SKILL.md'), 'old\n')
      mkdirSync(join(dir, '.claude', 'skills'), { recursive: true })
      symlinkSync(universal, join(dir, '.claude', 'skills', 'byok'))

      expect(() => installSkill({ source, project: dir, agent: 'claude-code', force: false })).toThrow(
        /already exists/,
      )
      const result = installSkill({ source, project: dir, agent: 'claude-code', force: true })
      expect(result.status).toBe('replaced')
      expect(readFileSync(join(dir, '.claude', 'skills', 'byok', 'SKILL.md'), 'utf8')).toContain('new')
      expect(readFileSync(join(universal, 'SKILL.md'), 'utf8')).toBe('old\n')
    }))

  it('reports a BYOK_SKILL_DIR without SKILL.md', () =>
    withTempDir(async (dir) => {
      expect(() => resolveSkillDir({ BYOK_SKILL_DIR: 'empty' }, dir)).toThrow(/has no SKILL.md/)
    }))
})
