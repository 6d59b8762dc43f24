import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, relative, sep } from 'node:path'

/** Source files transformed as a whole, and containers whose `<script>` blocks are (see containers/). */
export const SOURCE_EXTENSIONS = [
  '.ts',
  '.tsx',
  '.js',
  '.jsx',
  '.mjs',
  '.cjs',
  '.vue',
  '.svelte',
  '.html',
  '.htm',
] as const

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

/**
 * `vite` covers every Vite app (React, Vue, Svelte, SvelteKit, vanilla): all inline `VITE_*` env vars. `static` is a
 * plain HTML site without package.json: no bundler, so the helper is emitted as JavaScript, imported with its `.js`
 * extension, and the relay URL comes from a page global (there is no env to inline).
 */
export type Framework = 'vite' | 'next' | 'cra' | 'static'

/** The public env var each framework inlines for the relay URL (a global for static sites), and how code reads it. */
export const RELAY_URL_ENV: Readonly<Record<Framework, { variable: string; read: string }>> = {
  vite: { variable: 'VITE_BYOK_RELAY_URL', read: 'import.meta.env.VITE_BYOK_RELAY_URL' },
  next: { variable: 'NEXT_PUBLIC_BYOK_RELAY_URL', read: 'process.env.NEXT_PUBLIC_BYOK_RELAY_URL' },
  cra: { variable: 'REACT_APP_BYOK_RELAY_URL', read: 'process.env.REACT_APP_BYOK_RELAY_URL' },
  static: { variable: 'BYOK_RELAY_URL', read: 'globalThis.BYOK_RELAY_URL' },
}

export interface ProjectInfo {
  readonly framework: Framework
  readonly appId: string
  /** Project-relative directory the helper files go to (`src/lib` or `lib`). */
  readonly helperDir: string
  /**
   * `ts` when the project compiles TypeScript (a tsconfig.json, a `typescript` dependency or `.ts` sources), else `js`: a
   * JavaScript CRA or Next app cannot resolve a `.ts` helper, so it gets the helper with its types stripped.
   */
  readonly language: 'ts' | 'js'
}

interface PackageJson {
  name?: string
  dependencies?: object
  devDependencies?: object
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

/**
 * Framework from package.json (next, react-scripts, else Vite: also Vue, Svelte and SvelteKit apps); without a
 * package.json, a folder with `.html` pages at its root is a static site. App id from the package name or the folder,
 * helper dir `src/lib` when there is a `src/` (SvelteKit's `$lib`), else `lib`.
 */
export function inspectProject(dir: string, sources: readonly string[] = listSourceFiles(dir)): ProjectInfo {
  const pkg = readPackageJson(dir)
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies }
  const framework: Framework =
    'next' in deps
      ? 'next'
      : 'react-scripts' in deps
        ? 'cra'
        : pkg === undefined && hasRootHtml(dir)
          ? 'static'
          : 'vite'
  const appId = (pkg?.name ?? basename(dir)).replace(/^@[^/]+\//, '') || 'app'
  const helperDir = existsSync(join(dir, 'src')) ? 'src/lib' : 'lib'
  const typescript =
    framework !== 'static' &&
    (existsSync(join(dir, 'tsconfig.json')) ||
      'typescript' in deps ||
      sources.some((file) => isTypeScriptSource(dir, file)))
  return { framework, appId, helperDir, language: typescript ? 'ts' : 'js' }
}

/** A `.ts`/`.tsx` file, or a Vue/Svelte component with a `lang="ts"` script block. */
function isTypeScriptSource(dir: string, file: string): boolean {
  if (/\.tsx?$/.test(file)) return true
  if (!/\.(vue|svelte)$/.test(file)) return false
  try {
    return /<script\b[^>]*\blang\s*=\s*["']ts["']/i.test(readFileSync(join(dir, file), 'utf8'))
  } catch {
    return false
  }
}

function hasRootHtml(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => /\.html?$/.test(name))
  } catch {
    return false
  }
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

/**
 * The value of `variable` in the project's dotenv files, in Vite's development precedence, or undefined. Only for
 * non-secret settings such as the relay URL.
 */
export function readEnvValue(dir: string, variable: string): string | undefined {
  for (const name of ['.env.development.local', '.env.local', '.env.development', '.env']) {
    let text: string
    try {
      text = readFileSync(join(dir, name), 'utf8')
    } catch {
      continue
    }
    const entry = parseEnvLines(text).find((e) => e.name === variable && e.value !== '')
    if (entry) return entry.value
  }
  return undefined
}

/** The `NAME=value` lines of a dotenv file: name, value (unquoted, inline comment dropped) and 1-based line. */
export function parseEnvLines(text: string): { name: string; value: string; line: number }[] {
  const entries: { name: string; value: string; line: number }[] = []
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line)
    if (!match) continue
    const value = match[2]!
      .replace(/\s+#.*$/, '')
      .trim()
      .replace(/^(['"])(.*)\1$/, '$2')
    entries.push({ name: match[1]!, value, line: index + 1 })
  }
  return entries
}

/** Names of a dotenv file's variables that have a non-empty value (values are read only to test emptiness). */
export function envNamesWithValues(text: string): string[] {
  return parseEnvLines(text)
    .filter((entry) => entry.value !== '')
    .map((entry) => entry.name)
}
