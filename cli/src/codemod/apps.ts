import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { basename, join, posix } from 'node:path'
import {
  CONFIG_FILE,
  FRAMEWORKS,
  type FrameworkProfile,
  frameworkProfile,
  SERVER_ONLY_IMPORTS,
  SERVER_PACKAGE_DIRS,
  SERVER_PACKAGE_MARKERS,
} from './frameworks.js'
import { IGNORED_DIRS } from './project.js'

/**
 * One package of the project: an app that owns a bundler config (its own helper instance, dependency and relay URL
 * variable), a server package (never rewritten), or a library (shared code no single app owns).
 */
export interface AppPackage {
  /** Project-relative directory, '' for the project root. */
  readonly dir: string
  readonly role: 'app' | 'server' | 'library'
  readonly profile: FrameworkProfile
  readonly appId: string
  /** Project-relative directory the instance module goes to (`<app>/src/lib` or `<app>/lib`). */
  readonly helperDir: string
  readonly language: 'ts' | 'js'
  readonly hasPackageJson: boolean
  /** Why a server package is one (for the report). */
  readonly serverReason?: string
  /** App-relative entry files of a Cloudflare worker (`wrangler.toml` `main`). */
  readonly workerEntries: readonly string[]
  /** An MV3/MV2 extension manifest at the app root (its host permissions are checked). */
  readonly manifest?: string
}

interface PackageJson {
  name?: string
  workspaces?: unknown
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
}

function readPackageJson(dir: string): PackageJson | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
  } catch {
    return undefined
  }
}

/** Directories (project-relative) holding a package.json, or an extension manifest, ignored folders skipped. */
function packageDirs(projectDir: string): string[] {
  const found: string[] = []
  const walk = (rel: string, depth: number) => {
    const full = join(projectDir, rel)
    if (existsSync(join(full, 'package.json')) || extensionManifest(full)) found.push(rel)
    if (depth > 5) return
    let entries: import('node:fs').Dirent[]
    try {
      entries = readdirSync(full, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !IGNORED_DIRS.has(entry.name) && !entry.name.startsWith('.'))
        walk(rel ? `${rel}/${entry.name}` : entry.name, depth + 1)
    }
  }
  walk('', 0)
  if (!found.includes('')) found.unshift('')
  return found
}

/** `manifest.json` with a `manifest_version` (a browser extension, not a web app manifest), at `dir` or `dir/src`. */
function extensionManifest(dir: string): string | undefined {
  for (const rel of ['manifest.json', 'src/manifest.json', 'public/manifest.json']) {
    try {
      const json = JSON.parse(readFileSync(join(dir, rel), 'utf8')) as { manifest_version?: unknown }
      if (typeof json.manifest_version === 'number') return rel
    } catch {}
  }
  return undefined
}

function hasRootHtml(dir: string): boolean {
  try {
    return readdirSync(dir).some((name) => /\.html?$/.test(name))
  } catch {
    return false
  }
}

/** `main = "src/index.ts"` of a wrangler.toml / wrangler.json(c) in `dir`. */
function workerEntries(dir: string): string[] {
  for (const name of ['wrangler.toml', 'wrangler.json', 'wrangler.jsonc']) {
    let text: string
    try {
      text = readFileSync(join(dir, name), 'utf8')
    } catch {
      continue
    }
    const main = /^\s*"?main"?\s*[=:]\s*["']([^"']+)["']/m.exec(text)?.[1]
    return main ? [posix.normalize(main.replace(/^\.\//, ''))] : []
  }
  return []
}

function isTypeScriptSource(projectDir: string, file: string): boolean {
  if (/\.tsx?$/.test(file)) return true
  if (!/\.(vue|svelte)$/.test(file)) return false
  try {
    return /<script\b[^>]*\blang\s*=\s*["']ts["']/i.test(readFileSync(join(projectDir, file), 'utf8'))
  } catch {
    return false
  }
}

function describePackage(
  projectDir: string,
  rel: string,
  sources: readonly string[],
  isRoot: boolean,
): AppPackage {
  const full = join(projectDir, rel)
  const pkg = readPackageJson(full)
  const deps = { ...pkg?.dependencies, ...pkg?.devDependencies }
  const manifest = extensionManifest(full)
  let profile = FRAMEWORKS.find((f) => f.markers.some((m) => m in deps))
  let role: AppPackage['role'] = 'app'
  let serverReason: string | undefined
  if (!profile) {
    const serverDep = SERVER_PACKAGE_MARKERS.find((m) => m in deps)
    if (pkg && (serverDep || (!isRoot && SERVER_PACKAGE_DIRS.test(basename(rel))))) {
      role = 'server'
      serverReason = serverDep ? `a server package (depends on ${serverDep})` : `a server package (${rel}/)`
    } else if (manifest) {
      profile = frameworkProfile('extension')
    } else if (hasRootHtml(full)) {
      profile = frameworkProfile('static')
    } else if (pkg && (!isRoot || pkg.workspaces || existsSync(join(full, 'pnpm-workspace.yaml')))) {
      role = 'library'
    }
  }
  const own = sources.filter((s) => rel === '' || s.startsWith(`${rel}/`))
  const typescript =
    existsSync(join(full, 'tsconfig.json')) ||
    'typescript' in deps ||
    own.some((file) => isTypeScriptSource(projectDir, file))
  const resolved = profile ?? frameworkProfile('vite')
  return {
    dir: rel,
    role,
    profile: resolved,
    appId: (pkg?.name ?? basename(full)).replace(/^@[^/]+\//, '').replace(/[^A-Za-z0-9._-]/g, '') || 'app',
    helperDir: posix.join(rel, existsSync(join(full, 'src')) ? 'src/lib' : 'lib'),
    // Without a bundler the browser loads the files as they are: JavaScript, unless the app's own sources are
    // TypeScript that a plain `tsc` compiles (an MV3 extension): then the instance is `.ts` so tsc types it.
    language:
      typescript && (resolved.bundled || own.some((file) => isTypeScriptSource(projectDir, file)))
        ? 'ts'
        : 'js',
    hasPackageJson: pkg !== undefined,
    ...(serverReason ? { serverReason } : {}),
    workerEntries: workerEntries(full),
    ...(manifest ? { manifest } : {}),
  }
}

/**
 * Every package of the project, deepest first so `ownerOf` finds the nearest one. A project without any
 * package.json is one app at the root (static site or unpacked extension).
 */
export function findApps(projectDir: string, sources: readonly string[]): AppPackage[] {
  const dirs = packageDirs(projectDir)
  return dirs
    .map((rel) => describePackage(projectDir, rel, sources, rel === ''))
    .sort((a, b) => b.dir.length - a.dir.length)
}

/** The nearest package holding `path`. */
export function ownerOf(apps: readonly AppPackage[], path: string): AppPackage {
  return apps.find((a) => a.dir === '' || path.startsWith(`${a.dir}/`)) ?? apps.at(-1)!
}

/** `path` relative to its package. */
function appRelative(app: AppPackage, path: string): string {
  return app.dir === '' ? path : path.slice(app.dir.length + 1)
}

export type FileRole =
  | { readonly kind: 'client' }
  | { readonly kind: 'server'; readonly reason: string }
  | { readonly kind: 'config' }
  | { readonly kind: 'library'; readonly reason: string }

const USE_SERVER = /^(\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*['"]use server['"]/
/** `export default { fetch(request, env) { … } }` / `{ async fetch` (a Worker / Deno / Bun server). */
const WORKER_EXPORT = /export\s+default\s+\{[\s\S]{0,2000}?\b(async\s+)?fetch\s*(\(|:)/
const FUNCTION_HANDLER = /\bexports\.handler\s*=|export\s+(const|async\s+function|function)\s+handler\b/
const IMPORT_FROM =
  /(?:^|\n)\s*(?:import\s[^'"]*?from\s*|import\s*|(?:const|let|var)\s[^=]+=\s*require\()['"]([^'"]+)['"]/g

/**
 * Whether a file is browser code, server code (never rewritten: the key stays on the server), a build config
 * (only build-config steps run), or shared library code no app owns. Decided from the app's framework paths,
 * the package role and the file's own text (`"use server"`, Worker exports, server-only imports).
 */
export function classifyFile(app: AppPackage, path: string, text: string): FileRole {
  const rel = appRelative(app, path)
  if (app.role === 'server') return { kind: 'server', reason: app.serverReason ?? 'a server package' }
  if (CONFIG_FILE.test(rel)) return { kind: 'config' }
  if (app.workerEntries.includes(rel)) return { kind: 'server', reason: 'the wrangler.toml worker entry' }
  const byPath = app.profile.serverPaths.find((pattern) => pattern.test(rel))
  if (byPath) return { kind: 'server', reason: `server code in a ${app.profile.id} app (${rel})` }
  if (/\.(html?|vue|svelte|astro)$/.test(path))
    return app.role === 'library' ? libraryRole(app) : { kind: 'client' }
  if (USE_SERVER.test(text)) return { kind: 'server', reason: 'a "use server" module' }
  if (WORKER_EXPORT.test(text)) return { kind: 'server', reason: 'a worker (export default { fetch })' }
  if (FUNCTION_HANDLER.test(text)) return { kind: 'server', reason: 'a serverless function handler' }
  for (const match of text.matchAll(IMPORT_FROM)) {
    if (SERVER_ONLY_IMPORTS.test(match[1]!))
      return { kind: 'server', reason: `server code (imports ${match[1]})` }
  }
  return app.role === 'library' ? libraryRole(app) : { kind: 'client' }
}

function libraryRole(app: AppPackage): FileRole {
  return {
    kind: 'library',
    reason: `in ${app.dir || 'the workspace root'}, a package no app owns (no bundler config)`,
  }
}
