import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from '../readme.js'

export const SKILL_DIR = join(REPO_ROOT, 'skill')

/** One markdown file the skill ships (or the root entry), with its repository-relative path. */
export interface SkillDoc {
  readonly path: string
  readonly text: string
}

/** skill/SKILL.md, every skill/references/*.md, and the root SKILL.md: everything an agent reads. */
export function readSkillDocs(): SkillDoc[] {
  const references = readdirSync(join(SKILL_DIR, 'references'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `skill/references/${f}`)
  return ['SKILL.md', 'skill/SKILL.md', ...references].map((path) => ({
    path,
    text: readFileSync(join(REPO_ROOT, path), 'utf8'),
  }))
}

/** The strings of skill/evals/evals.json an agent is judged on (prompts and expectations). */
export function readEvalTexts(): SkillDoc[] {
  const evals = JSON.parse(readFileSync(join(SKILL_DIR, 'evals', 'evals.json'), 'utf8')) as {
    evals: { id: number; prompt: string; expectations: string[] }[]
  }
  return evals.evals.map((e) => ({
    path: `skill/evals/evals.json#${e.id}`,
    text: [e.prompt, ...e.expectations].join('\n'),
  }))
}

export type FrontmatterValue = string | boolean | { readonly [key: string]: string | boolean }

/**
 * Parses SKILL.md frontmatter, deliberately only a strict subset of YAML: `key: plain scalar`, `key: "json
 * string"`, and one level of `key:` + indented `sub: value` maps. Anything else throws, so the frontmatter stays
 * in a shape every skills loader reads the same way (a plain scalar with `: ` or ` #` would mean something else
 * to YAML).
 */
export function parseFrontmatter(text: string): { data: Record<string, FrontmatterValue>; body: string } {
  const match = text.match(/^---\n([\s\S]*?)\n---\n/)
  if (!match) throw new Error('no frontmatter: the file must start with ---')
  const data: Record<string, FrontmatterValue> = {}
  let map: Record<string, string | boolean> | undefined
  for (const line of match[1]!.split('\n')) {
    const nested = line.match(/^ {2}([a-z][a-z0-9_-]*): (.+)$/)
    if (nested && map) {
      map[nested[1]!] = parseScalar(nested[2]!)
      continue
    }
    const top = line.match(/^([a-z][a-z0-9_-]*):(?: (.+))?$/)
    if (!top) throw new Error(`frontmatter line outside the supported subset: ${JSON.stringify(line)}`)
    if (top[1]! in data) throw new Error(`duplicate frontmatter key ${top[1]}`)
    if (top[2] === undefined) {
      map = {}
      data[top[1]!] = map
    } else {
      map = undefined
      data[top[1]!] = parseScalar(top[2])
    }
  }
  return { data, body: text.slice(match[0].length) }
}

function parseScalar(raw: string): string | boolean {
  if (raw.startsWith('"')) return JSON.parse(raw) as string
  if (raw === 'true' || raw === 'false') return raw === 'true'
  if (/^[-?:,[\]{}#&*!|>'%@`]/.test(raw) || raw.includes(': ') || raw.includes(' #') || raw.endsWith(':')) {
    throw new Error(`plain scalar that YAML would not read as a string: ${JSON.stringify(raw.slice(0, 60))}`)
  }
  return raw
}

/** A fenced code block, with its info string (`ts`, `bash`, …) and the 1-based line of its opening fence. */
export interface CodeBlock {
  readonly lang: string
  readonly code: string
  readonly line: number
}

export function fencedBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.match(/^```(\S*)/)
    if (!open) continue
    const start = i
    const body: string[] = []
    while (++i < lines.length && !lines[i]!.startsWith('```')) body.push(lines[i]!)
    blocks.push({ lang: open[1] ?? '', code: body.join('\n'), line: start + 1 })
  }
  return blocks
}

/** The document's lines with fenced blocks blanked out (line numbers stay right): the prose and tables. */
export function proseLines(text: string): string[] {
  let inFence = false
  return text.split('\n').map((line) => {
    if (line.startsWith('```')) {
      inFence = !inFence
      return ''
    }
    return inFence ? '' : line
  })
}

/** Inline code spans (`like this`) of one prose line. */
export function inlineCode(line: string): string[] {
  return [...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
}
