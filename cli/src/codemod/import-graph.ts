import { readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'

// A module only server code imports is server code too (catalogue E9: classify by reachability): a shared
// `lib/openai-server.ts` used only by `pages/api/*` keeps its key on the server and must never be rewritten.
// Conservative on purpose: a module any non-server file imports, or may import through a specifier this graph
// cannot resolve (an alias), stays browser code.

const SPECIFIER =
  /(?:\bimport\s[^'"]*?from\s*|\bimport\s*\(?\s*|\bexport\s[^'"]*?from\s*|\brequire\s*\(\s*)['"]([^'"]+)['"]/g
const HTML_SRC = /\bsrc\s*=\s*["']([^"']+)["']/g
const EXTENSIONS = ['', '.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs', '/index.ts', '/index.tsx', '/index.js']
const MAX_BYTES = 1_000_000

function specifiers(path: string, text: string): string[] {
  const pattern = /\.html?$/.test(path) ? HTML_SRC : SPECIFIER
  return [...text.matchAll(pattern)].map((m) => m[1]!).filter((s) => /^(\.|\/|@\/|~\/|\$lib\/|#)/.test(s))
}

function resolve(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  const alias = /^(@|~)\/(.+)$/.exec(specifier)?.[2]
  // `@/lib/x` (tsconfig paths): the one known file ending in lib/x; none or several stay unresolved (kept client).
  if (alias) {
    const matches = [...known].filter((p) =>
      EXTENSIONS.some((e) => p === alias + e || p.endsWith(`/${alias}${e}`)),
    )
    return matches.length === 1 ? matches[0] : undefined
  }
  if (!specifier.startsWith('.')) return undefined
  const base = posix.normalize(posix.join(posix.dirname(from), specifier)).replace(/\?.*$/, '')
  const stem = base.replace(/\.(m|c)?jsx?$/, '')
  for (const candidate of [base, stem]) {
    for (const extension of EXTENSIONS) if (known.has(candidate + extension)) return candidate + extension
  }
  return undefined
}

/** The last path segment without its extension (`./lib/openai-server.js` → `openai-server`). */
function stemOf(path: string): string {
  const segments = path.replace(/\/index\.[a-z]+$/, '').split('/')
  return (segments.at(-1) ?? '').replace(/\.[a-z]+$/, '')
}

/**
 * The modules reached only from server code, with the server files that import them. `isServer` is the per-file
 * classification (path, framework server paths, file text).
 */
export function serverOnlyModules(
  projectDir: string,
  paths: readonly string[],
  isServer: (path: string, text: string) => boolean,
): Map<string, string[]> {
  const known = new Set(paths)
  const importers = new Map<string, Set<string>>()
  const unresolved = new Set<string>() // stems imported by non-server files through specifiers not resolved here
  const server = new Set<string>()
  for (const path of paths) {
    let text: string
    try {
      if (statSync(join(projectDir, path)).size > MAX_BYTES) continue
      text = readFileSync(join(projectDir, path), 'utf8')
    } catch {
      continue
    }
    const serverFile = isServer(path, text)
    if (serverFile) server.add(path)
    for (const specifier of specifiers(path, text)) {
      const target = resolve(path, specifier, known)
      if (target) importers.set(target, new Set([...(importers.get(target) ?? []), path]))
      else if (!serverFile) unresolved.add(stemOf(specifier))
    }
  }
  const result = new Map<string, string[]>()
  for (let changed = true; changed; ) {
    changed = false
    for (const [target, from] of importers) {
      if (server.has(target) || !/\.(m|c)?[jt]sx?$/.test(target) || unresolved.has(stemOf(target))) continue
      if (![...from].every((f) => server.has(f))) continue
      server.add(target)
      result.set(target, [...from].sort())
      changed = true
    }
  }
  return result
}
