import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../readme.js'

// The codemod is loaded at run time without its types (this package does not compile cli/ sources).
const { planIntegration } = (await import(new URL('../../cli/src/codemod/run.ts', import.meta.url).href)) as {
  planIntegration: (
    dir: string,
    options: { templatesDir: string },
  ) => { writes: readonly { path: string; before: string | null; after: string }[] }
}

const GUIDES = join(REPO_ROOT, 'skill', 'references')

/**
 * `// codemod before: <path>` / `// codemod after: <path>` code blocks of a guide, by path. An "after" block without
 * a "before" one is a file the codemod adds.
 */
function codemodBlocks(text: string): Map<string, { before?: string; after?: string }> {
  const blocks = new Map<string, { before?: string; after?: string }>()
  for (const m of text.matchAll(/```\w*\n\/\/ codemod (before|after): (\S+)\n([\s\S]*?)```/g)) {
    const entry = blocks.get(m[2]!) ?? {}
    entry[m[1] as 'before' | 'after'] = m[3]!
    blocks.set(m[2]!, entry)
  }
  return blocks
}

const guides = readdirSync(GUIDES)
  .filter((f) => f.endsWith('.md'))
  .filter((f) => codemodBlocks(readFileSync(join(GUIDES, f), 'utf8')).size > 0)

describe('guides that show what the codemod writes are what it writes', () => {
  it('at least the React + Vite guide shows it', () => {
    expect(guides).toContain('react-vite.md')
  })

  it.each(guides)('%s: the codemod run on its "before" blocks writes its "after" blocks', (guide) => {
    const blocks = codemodBlocks(readFileSync(join(GUIDES, guide), 'utf8'))
    const dir = mkdtempSync(join(tmpdir(), 'byok-guide-'))
    try {
      // A Vite + React + TypeScript project, as the guide is for.
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({
          // The instance module's appId comes from the package name.
          name: 'my-app',
          type: 'module',
          dependencies: { openai: '^5.0.0', react: '^19.0.0' },
          devDependencies: { vite: '^7.0.0', typescript: '^5.9.0' },
        }),
      )
      for (const [path, { before, after }] of blocks) {
        expect(after, `${path}: an "after" block`).toBeDefined()
        if (before === undefined) continue
        mkdirSync(dirname(join(dir, path)), { recursive: true })
        writeFileSync(join(dir, path), before)
      }
      const plan = planIntegration(dir, { templatesDir: join(REPO_ROOT, 'templates') })
      for (const [path, { before, after }] of blocks) {
        const write = plan.writes.find((w) => w.path === path)
        expect(write?.after, path).toBe(after)
        if (before === undefined) expect(write?.before, `${path} is added by the codemod`).toBeNull()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
