import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SKILL_NAME } from '../../cli/src/commands/skill.js'
import { type FrontmatterValue, parseFrontmatter, readSkillDocs, SKILL_DIR } from './skill-docs.js'
import { loadProviders } from './truth.js'

// The Agent Skills rules (agentskills.io specification), with Anthropic's validator's stricter key list and its
// ban on angle brackets in the description (skill-creator quick_validate.py).
const ALLOWED_KEYS = ['name', 'description', 'license', 'allowed-tools', 'metadata', 'compatibility']
const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/

/** Problems with one SKILL.md's frontmatter, for a skill installed in a folder named `folder`. */
function validateFrontmatter(data: Record<string, FrontmatterValue>, folder: string): string[] {
  const problems: string[] = []
  for (const key of Object.keys(data))
    if (!ALLOWED_KEYS.includes(key)) problems.push(`key ${key} not allowed`)
  const { name, description, compatibility, metadata } = data
  if (typeof name !== 'string' || !NAME.test(name) || name.length > 64)
    problems.push('name: 1-64 of a-z 0-9 -')
  else if (name !== folder) problems.push(`name ${name} differs from its folder ${folder}`)
  if (typeof description !== 'string' || description.length < 1 || description.length > 1024) {
    problems.push('description: 1-1024 characters')
  } else if (/[<>]/.test(description)) problems.push('description: no < or >')
  if (compatibility !== undefined && (typeof compatibility !== 'string' || compatibility.length > 500)) {
    problems.push('compatibility: at most 500 characters')
  }
  if (metadata !== undefined) {
    if (typeof metadata !== 'object') problems.push('metadata must be a map')
    else {
      for (const [key, value] of Object.entries(metadata)) {
        // The spec's metadata is string → string; `internal` is the one flag the skills CLI reads, as a boolean.
        if (typeof value !== 'string' && !(key === 'internal' && value === true)) {
          problems.push(`metadata.${key} must be a string`)
        }
      }
    }
  }
  return problems
}

const docs = readSkillDocs()
const skill = parseFrontmatter(docs.find((d) => d.path === 'skill/SKILL.md')!.text)
const root = parseFrontmatter(docs.find((d) => d.path === 'SKILL.md')!.text)
const references = readdirSync(join(SKILL_DIR, 'references')).filter((f) => f.endsWith('.md'))

describe('skill/SKILL.md (installed as .claude/skills/byok, .agents/skills/byok)', () => {
  it('passes the Agent Skills frontmatter rules for its installed folder', () => {
    expect(validateFrontmatter(skill.data, SKILL_NAME)).toEqual([])
    expect(skill.data.metadata).toBeUndefined() // never internal: this is the skill that gets installed
  })

  it('names every provider the relay supports in the description (trigger words)', () => {
    const description = String(skill.data.description).toLowerCase()
    const missing = loadProviders().filter(
      (p) => !description.includes(p.name.toLowerCase()) && !description.includes(p.id),
    )
    expect(missing).toEqual([])
    for (const trigger of ['cors', 'bring their own key', 'vite_', 'dangerouslyallowbrowser']) {
      expect(description).toContain(trigger)
    }
  })

  it('leaves headroom under the 1,024-character description limit (clients may add to it)', () => {
    expect(String(skill.data.description).length).toBeLessThanOrEqual(900)
  })

  it('stays short and links every reference', () => {
    expect(skill.body.split('\n').length).toBeLessThan(300)
    for (const file of references) expect(skill.body).toContain(`](references/${file})`)
  })
})

describe('root SKILL.md (the entry for agents reading the repository)', () => {
  it('passes the same rules, and is hidden from the skills CLI', () => {
    expect(validateFrontmatter(root.data, SKILL_NAME)).toEqual([])
    expect(root.data.metadata).toEqual({ internal: true })
  })

  it('agrees with skill/SKILL.md instead of repeating it', () => {
    expect(root.data.description).toBe(skill.data.description)
    expect(root.body).toContain('](skill/SKILL.md)')
    for (const file of references) expect(root.body).toContain(`](skill/references/${file})`)
    expect(root.body.split('\n').length).toBeLessThan(40)
  })
})

describe('the validator and the parser reject what the rules forbid', () => {
  it.each([
    [{ name: 'Byok', description: 'x' }, 'name: 1-64 of a-z 0-9 -'],
    [{ name: 'by--ok', description: 'x' }, 'name: 1-64 of a-z 0-9 -'],
    [{ name: 'a'.repeat(65), description: 'x' }, 'name: 1-64 of a-z 0-9 -'],
    [{ name: 'other', description: 'x' }, 'name other differs from its folder byok'],
    [{ name: 'byok', description: '' }, 'description: 1-1024 characters'],
    [{ name: 'byok', description: 'x'.repeat(1025) }, 'description: 1-1024 characters'],
    [{ name: 'byok', description: 'use <dir>' }, 'description: no < or >'],
    [{ name: 'byok', description: 'x', version: '1' }, 'key version not allowed'],
    [{ name: 'byok', description: 'x', metadata: { internal: false } }, 'metadata.internal must be a string'],
  ])('%j → %s', (data, problem) => {
    expect(validateFrontmatter(data as Record<string, FrontmatterValue>, 'byok')).toContain(problem)
  })

  it.each([
    ['---\nname: byok\ndescription: a: b\n---\n', /YAML would not read as a string/],
    ['---\nname: byok\ndescription: - x\n---\n', /YAML would not read as a string/],
    ['---\nname: byok\n  - list\n---\n', /outside the supported subset/],
    ['name: byok\n', /no frontmatter/],
  ])('parser refuses %j', (text, error) => {
    expect(() => parseFrontmatter(text)).toThrow(error)
  })
})
