import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { IntegrateReport } from '../helpers.js'
import { listFiles } from '../helpers.js'

/**
 * Hosts of the AI providers a browser must not reach directly (exact hosts: `www.googleapis.com` is Drive, not
 * Gemini). Kept here rather than imported from the codemod, so the check does not share the codemod's blind spots.
 */
export const PROVIDER_HOSTS = [
  'api.openai.com',
  'api.anthropic.com',
  'generativelanguage.googleapis.com',
  'api.groq.com',
  'api.mistral.ai',
  'openrouter.ai',
  'api.deepseek.com',
  'api.x.ai',
  'api.together.xyz',
  'api.perplexity.ai',
] as const

/** SDK clients and AI SDK provider factories: constructing one in browser code reaches a provider. */
const SDK_CONSTRUCTOR =
  /\bnew\s+(OpenAI|Anthropic|Groq|GoogleGenAI|GoogleGenerativeAI|Mistral|OpenAIApi)\s*\(|\bcreate(OpenAI|Anthropic|Groq|Google|GoogleGenerativeAI|Mistral|OpenRouter|DeepSeek|XAI)\s*\(/

/** Build, dependency and generated folders: never the app's own sources. */
export const NOT_SOURCE_DIRS = new Set([
  '.git',
  'node_modules',
  'dist',
  'build',
  '.next',
  '.svelte-kit',
  '.nuxt',
  '.output',
  '.astro',
  'out',
  '.turbo',
  '.wrangler',
])

/** Files that are not browser code: configuration (runs in Node), docs, data, assets, env files. */
function isSourceFile(path: string): boolean {
  const base = path.split('/').pop() ?? path
  if (/^\.env(\.|$)/.test(base) || base === '.dev.vars' || /gitignore$/.test(base) || base === '.npmrc')
    return false
  if (/\.config\.[cm]?[jt]s$/.test(base)) return false
  return /\.(m?[jt]sx?|cjs|vue|svelte|astro|html?)$/.test(base)
}

export type HitKind = 'host' | 'key name' | 'key value' | 'sdk'

export interface SourceHit {
  readonly file: string
  readonly line: number
  readonly kind: HitKind
  /** The host, the variable name, the key's *name* (never its value), or the SDK constructor. */
  readonly what: string
}

/** A project's keys: variable name → value, read from the fixture's env files and source literals. */
export type Secrets = ReadonlyMap<string, string>

/**
 * Everything in the browser sources of `root` that reaches a provider or holds a provider key: provider hosts,
 * provider-key variable names, key values, SDK constructors. `isServer` excludes server code (checked separately:
 * it must stay byte-identical).
 */
export function scanSources(root: string, keys: Secrets, isServer: (path: string) => boolean): SourceHit[] {
  const hits: SourceHit[] = []
  for (const file of listFiles(root, NOT_SOURCE_DIRS)) {
    if (!isSourceFile(file) || isServer(file)) continue
    const lines = readFileSync(join(root, file), 'utf8').split('\n')
    lines.forEach((text, index) => {
      const line = index + 1
      for (const host of PROVIDER_HOSTS)
        if (text.includes(host)) hits.push({ file, line, kind: 'host', what: host })
      for (const [name, value] of keys) {
        if (new RegExp(`\\b${name}\\b`).test(text)) hits.push({ file, line, kind: 'key name', what: name })
        if (text.includes(value)) hits.push({ file, line, kind: 'key value', what: name })
      }
      const sdk = SDK_CONSTRUCTOR.exec(text)
      if (sdk) hits.push({ file, line, kind: 'sdk', what: sdk[0].replace(/\s*\($/, '') })
    })
  }
  return hits
}

/** Whether a file's code goes through byok (imports the client or its instance, or calls it). */
function routesThroughByok(root: string, file: string): boolean {
  return /@byok\/client|byok-instance|\bbyok\.(fetch|baseUrl|relayUrlFor|sdkOptions)\b/.test(
    readFileSync(join(root, file), 'utf8'),
  )
}

/**
 * Source hits nobody was told about. A hit is reported when `byok integrate` listed a manual item in that file.
 * A host or SDK constructor also passes in a file that now routes through byok (the URL stays in the code and the
 * client maps it to the relay at run time); a provider key (its variable or its value) passes only as a manual
 * item: the rule is that a key left in place is always reported.
 */
export function unreportedHits(
  root: string,
  hits: readonly SourceHit[],
  reports: readonly IntegrateReport[],
) {
  const manualFiles = new Set(reports.flatMap((r) => r.manual.map((m) => m.file)))
  return hits.filter((hit) => {
    if (manualFiles.has(hit.file)) return false
    if ((hit.kind === 'host' || hit.kind === 'sdk') && routesThroughByok(root, hit.file)) return false
    return true
  })
}

export interface BundleHit {
  readonly file: string
  readonly kind: 'host' | 'key value'
  readonly what: string
}

/** Provider hosts and key values (by name) found in the build output under `dirs` (relative to `root`). */
export function scanBundle(root: string, dirs: readonly string[], keys: Secrets): BundleHit[] {
  const hits: BundleHit[] = []
  for (const dir of dirs) {
    const base = join(root, dir)
    if (!existsSync(base)) continue
    for (const file of listFiles(base, new Set(['cache', 'node_modules', '.git']))) {
      const full = join(base, file)
      if (statSync(full).size > 20_000_000) continue
      const text = readFileSync(full, 'latin1')
      for (const host of PROVIDER_HOSTS)
        if (text.includes(host)) hits.push({ file: `${dir}/${file}`, kind: 'host', what: host })
      for (const [name, value] of keys)
        if (text.includes(value)) hits.push({ file: `${dir}/${file}`, kind: 'key value', what: name })
    }
  }
  return hits
}

/**
 * Provider hosts that the installed SDK packages contain themselves (an SDK's default base URL is bundled even
 * when the app overrides it): a bundle hit on one of them says nothing about the app's code.
 */
export function dependencyHosts(nodeModules: string, packages: readonly string[]): Set<string> {
  const found = new Set<string>()
  for (const name of packages) {
    const dir = join(nodeModules, name)
    if (!existsSync(dir)) continue
    for (const file of listFiles(dir, new Set(['node_modules']))) {
      if (!/\.(m?js|cjs)$/.test(file)) continue
      const full = join(dir, file)
      if (statSync(full).size > 5_000_000) continue
      const text = readFileSync(full, 'latin1')
      for (const host of PROVIDER_HOSTS) if (!found.has(host) && text.includes(host)) found.add(host)
    }
  }
  return found
}

/** The `name=value` pairs of every `.env*` / `.dev.vars` file under `root` (values stay in memory only). */
export function envFileValues(root: string): Map<string, string> {
  const values = new Map<string, string>()
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!NOT_SOURCE_DIRS.has(entry.name)) walk(join(dir, entry.name))
        continue
      }
      if (!/^\.env(\.|$)/.test(entry.name) && entry.name !== '.dev.vars') continue
      if (entry.name === '.env.example') continue
      for (const line of readFileSync(join(dir, entry.name), 'utf8').split(/\r?\n/)) {
        const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
        if (match?.[2]) values.set(match[1]!, match[2].replace(/^(['"])(.*)\1$/, '$2'))
      }
    }
  }
  walk(root)
  return values
}
