import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { FRAMEWORKS, type Framework } from './frameworks.js'

/** Source files transformed as a whole, and containers whose `<script>` blocks are (see containers/). */
const SOURCE_EXTENSIONS = [
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
  '.astro',
] as const

/** Never walked: dependencies, build output, VCS and framework caches. */
export const IGNORED_DIRS = new Set([
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

export type { Framework } from './frameworks.js'

/** The public env var each framework inlines for the relay URL (a page global without a bundler), and how code reads it. */
export const RELAY_URL_ENV: Readonly<Record<Framework, { variable: string; read: string }>> =
  Object.fromEntries(
    FRAMEWORKS.map((f) => [f.id, { variable: f.relayUrl.variable, read: f.relayUrl.read }]),
  ) as Record<Framework, { variable: string; read: string }>

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
