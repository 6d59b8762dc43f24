import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src')

// Static `import … from`, `export … from`, side-effect `import '…'` and `import('…')` of a relative path, across
// line breaks. Type-only imports count too: a loop through types alone is still two modules that each need the
// other to be read, and the loop the relay once had (metrics → users → context → metrics) ran through types.
const RELATIVE_IMPORT =
  /^\s*(?:import|export)\s+(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/gm

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** Module (path under src/, without extension) → the src modules it imports. */
function importGraph(): Map<string, string[]> {
  const name = (path: string) => relative(SRC, path).replace(/\.[jt]s$/, '')
  const graph = new Map<string, string[]>()
  for (const file of sourceFiles(SRC)) {
    const targets = new Set<string>()
    for (const match of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      targets.add(name(resolve(dirname(file), (match[1] ?? match[2])!)))
    }
    graph.set(name(file), [...targets].sort())
  }
  return graph
}

/** One loop per back edge found by a depth-first search, as `a → b → … → a` (each loop reported once). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const cycles: string[] = []
  const seen = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        const loop = stack.slice(stack.indexOf(next))
        // The same loop found from another entry point is reported once.
        const key = [...loop].sort().join('|')
        if (!seen.has(key)) {
          seen.add(key)
          cycles.push([...loop, next].join(' → '))
        }
      } else if (!state.has(next)) {
        visit(next)
      }
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node)
  return cycles
}

describe('relay/src imports', () => {
  it('form no loop', () => {
    const graph = importGraph()
    // The parser itself: a known file and its known imports, so an empty graph cannot pass.
    expect(graph.get('app')).toEqual(expect.arrayContaining(['config', 'errors', 'routes/relay']))
    expect(findCycles(graph)).toEqual([])
  })

  it('finds a loop when there is one', () => {
    const graph = new Map([
      ['plugins/metrics', ['routes/users']],
      ['routes/users', ['routes/context']],
      ['routes/context', ['plugins/metrics', 'errors']],
      ['errors', []],
    ])
    expect(findCycles(graph)).toEqual(['plugins/metrics → routes/users → routes/context → plugins/metrics'])
  })
})
