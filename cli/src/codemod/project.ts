import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative, sep } from 'node:path'

/** Source files this slice transforms (Vue/Svelte/HTML script blocks come later). */
export const SOURCE_EXTENSIONS = ['.ts', '.tsx', '.js', '.jsx', '.mjs', '.cjs'] as const

/** Never walked: dependencies, build output, VCS and framework caches. */
const IGNORED_DIRS = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  '.git',
  '.next',
  '.svelte-kit',
  '.nuxt',
  '.output',
  '.vercel',
  '.turbo',
  'src-tauri',
])

export type Framework = 'vite' | 'next' | 'cra'

/** The public env var each framework inlines for the relay URL, and how code reads it. */
export const RELAY_URL_ENV: Readonly<Record<Framework, { variable: string; read: string }>> = {
  vite: { variable: 'VITE_BYOK_RELAY_URL', read: 'import.meta.env.VITE_BYOK_RELAY_URL' },
  next: { variable: 'NEXT_PUBLIC_BYOK_RELAY_URL', read: 'process.env.NEXT_PUBLIC_BYOK_RELAY_URL' },
  cra: { variable: 'REACT_APP_BYOK_RELAY_URL', read: 'process.env.REACT_APP_BYOK_RELAY_URL' },
}

export interface ProjectInfo {
  readonly framework: Framework
  readonly appId: string
  /** Project-relative directory the helper files go to (`src/lib` or `lib`). */
  readonly helperDir: string
}

function readPackageJson(dir: string): { name?: string; dependencies?: object; devDependencies?: object } {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as ReturnType<typeof readPackageJson>
  } catch {
    return {}
  }
}

/** Framework from package.json (next, react-scripts, else Vite), app id from its name, helper dir from layout. */
export function inspectProject(dir: string): ProjectInfo {
  const pkg = readPackageJson(dir)
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  const framework: Framework = 'next' in deps ? 'next' : 'react-scripts' in deps ? 'cra' : 'vite'
  const appId = (pkg.name ?? basename(dir)).replace(/^@[^/]+\//, '') || 'app'
  const helperDir = existsSync(join(dir, 'src')) ? 'src/lib' : 'lib'
  return { framework, appId, helperDir }
}

/** Project-relative paths (forward slashes) of every source file, sorted, ignored directories skipped. */
export function listSourceFiles(dir: string): string[] {
  const found: string[] = []
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) walk(join(current, entry.name))
      } else if (entry.isFile() && SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
        if (entry.name.endsWith('.d.ts')) continue
        found.push(relative(dir, join(current, entry.name)).split(sep).join('/'))
      }
    }
  }
  walk(dir)
  return found.sort()
}

/** `.env`, `.env.local`, `.env.production`, … at the project root (names only are ever reported). */
export function listEnvFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name === '.env' || name.startsWith('.env.'))
    .sort()
}

/** `NAME=value` pairs of a dotenv file whose value is non-empty (values are read only to test emptiness). */
export function envNamesWithValues(text: string): string[] {
  const names: string[] = []
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!match) continue
    const value = match[2]!
      .replace(/\s+#.*$/, '')
      .trim()
      .replace(/^(['"])(.*)\1$/, '$2')
    if (value !== '') names.push(match[1]!)
  }
  return names
}
