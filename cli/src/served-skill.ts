import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveSkillDir } from './commands/skill.js'

/** The packaged skill, if any: its guides become MCP resources, its SKILL.md the relay's `GET /skill`. */
function findSkillDir(): string | undefined {
  try {
    return resolveSkillDir({}, '.')
  } catch {
    return undefined // no bundled skill: no resources, no /skill
  }
}

/** The skill's `references/` folder: the MCP server's guide resources. */
export function resolveGuidesDir(): string | undefined {
  const dir = findSkillDir()
  return dir && join(dir, 'references')
}

/** SKILL.md for the relay's `GET /skill` and `/llms.txt` (the relay never reads the CLI's files itself). */
export function loadServedSkill(): { markdown: string } | undefined {
  const dir = findSkillDir()
  return dir ? { markdown: readFileSync(join(dir, 'SKILL.md'), 'utf8') } : undefined
}
