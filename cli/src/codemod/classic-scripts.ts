import { readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { type AppPackage, ownerOf } from './apps.js'
import { clientFiles } from './client-package.js'
import { scanScriptTags } from './containers/scan-script-tags.js'
import { PROVIDER_HOSTS } from './mappings/providers.js'
import type { Diagnostic } from './types.js'

// Scripts a browser runs as classic scripts cannot `import`. In an app without a bundler they get the classic build
// of the client instead: `<script src>` tags for vendor/byok.global.js and byok-instance.global.js (which defines a
// global `byok`) go in front of the page's first rewritten classic script. Extension content scripts and classic
// service workers are classic too; the manifest says which.

/** How a classic JS file is loaded: from which pages (by `<script src>`), or by an extension manifest. */
export interface ClassicLoad {
  readonly html?: string
  readonly manifest?: string
}

/** `src` of a script tag → project-relative path (a leading `/` is the app root), or undefined for URLs. */
function resolveSrc(app: AppPackage, htmlPath: string, src: string): string | undefined {
  if (/^([a-z]+:)?\/\//i.test(src) || src.startsWith('data:')) return undefined
  const clean = src.replace(/[?#].*$/, '')
  const joined = clean.startsWith('/')
    ? posix.join(app.dir, clean.slice(1))
    : posix.join(posix.dirname(htmlPath), clean)
  return posix.normalize(joined)
}

function isClassicType(type: string | undefined): boolean {
  return type === undefined || /^(|text\/javascript|application\/javascript)$/i.test(type.trim())
}

/** Classic JS files of unbundled apps: loaded by a page without `type="module"`, or by an extension manifest. */
export function classicLoads(
  projectDir: string,
  sources: readonly string[],
  apps: readonly AppPackage[],
): Map<string, ClassicLoad[]> {
  const loads = new Map<string, ClassicLoad[]>()
  const add = (file: string, load: ClassicLoad) => loads.set(file, [...(loads.get(file) ?? []), load])
  for (const html of sources.filter((s) => /\.html?$/.test(s))) {
    const app = ownerOf(apps, html)
    if (app.profile.bundled) continue
    let text: string
    try {
      text = readFileSync(join(projectDir, html), 'utf8')
    } catch {
      continue
    }
    for (const tag of scanScriptTags(text)) {
      const src = tag.attrs.get('src')
      if (!src || !isClassicType(tag.attrs.get('type'))) continue
      const file = resolveSrc(app, html, src)
      if (file) add(file, { html })
    }
  }
  for (const app of apps.filter((a) => a.manifest)) {
    const manifestPath = posix.join(app.dir, app.manifest!)
    for (const file of manifestClassicFiles(projectDir, app, manifestPath))
      add(file, { manifest: manifestPath })
  }
  return loads
}

interface Manifest {
  background?: { service_worker?: string; type?: string; scripts?: string[] }
  content_scripts?: { js?: string[] }[]
  host_permissions?: string[]
  optional_host_permissions?: string[]
  permissions?: string[]
}

function readManifest(projectDir: string, manifestPath: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(join(projectDir, manifestPath), 'utf8')) as Manifest
  } catch {
    return undefined
  }
}

/** Content scripts, MV2 background scripts and a service worker without `"type": "module"`. */
function manifestClassicFiles(projectDir: string, app: AppPackage, manifestPath: string): string[] {
  const manifest = readManifest(projectDir, manifestPath)
  if (!manifest) return []
  const base = posix.dirname(manifestPath)
  const files = [
    ...(manifest.content_scripts ?? []).flatMap((c) => c.js ?? []),
    ...(manifest.background?.scripts ?? []),
    ...(manifest.background?.service_worker && manifest.background.type !== 'module'
      ? [manifest.background.service_worker]
      : []),
  ]
  // Bundled extensions (WXT, CRXJS) name source entries that the bundler compiles: only unbundled files are classic.
  return app.profile.bundled ? [] : files.map((f) => posix.normalize(posix.join(base, f.replace(/^\//, ''))))
}

/**
 * Provider hosts an extension manifest grants: once calls go through the relay the extension needs the relay's
 * origin instead. Reported so the manifest is not forgotten (browsers block the relay call without it).
 */
export function manifestFindings(projectDir: string, apps: readonly AppPackage[]): Diagnostic[] {
  const found: Diagnostic[] = []
  for (const app of apps.filter((a) => a.manifest)) {
    const file = posix.join(app.dir, app.manifest!)
    const manifest = readManifest(projectDir, file)
    if (!manifest) continue
    const text = readFileSync(join(projectDir, file), 'utf8')
    const granted = [
      ...(manifest.host_permissions ?? []),
      ...(manifest.optional_host_permissions ?? []),
      ...(manifest.permissions ?? []),
    ]
    for (const pattern of granted) {
      const host = Object.keys(PROVIDER_HOSTS).find((h) => pattern.includes(h) || matchesWildcard(pattern, h))
      if (!host) continue
      const index = text.indexOf(`"${pattern}"`)
      found.push({
        file,
        line: index === -1 ? 1 : text.slice(0, index).split('\n').length,
        reason: `the extension is granted ${pattern} (${PROVIDER_HOSTS[host]}): its provider calls must go through the relay instead`,
        suggestion:
          "Replace it with your relay's origin (e.g. https://relay.example.com/*) once no code calls the provider directly",
      })
    }
  }
  return found
}

/** `https://*.anthropic.com/*` grants `api.anthropic.com`. */
function matchesWildcard(pattern: string, host: string): boolean {
  const match = /^(\*|https?|wss?):\/\/\*\.([^/]+)\//.exec(pattern)
  return !!match && host.endsWith(`.${match[2]}`)
}

/** The tags that load the classic client on a page, relative to the page, each followed by `indent`. */
function classicTags(app: AppPackage, htmlPath: string, indent: string): string {
  const files = clientFiles(app)
  const rel = (file: string) => {
    const r = posix.relative(posix.dirname(htmlPath), file)
    return r.startsWith('.') ? r : `./${r}`
  }
  return `<script src="${rel(files.vendorGlobal)}"></script>\n${indent}<script src="${rel(files.classicInstance)}"></script>\n${indent}`
}

/** True when the page already loads the classic client (a second run adds nothing). */
function hasClassicTags(html: string): boolean {
  return /<script\b[^>]*\bsrc\s*=\s*["'][^"']*byok-instance\.global\.js["']/i.test(html)
}

/** Inserts the classic client tags before the tag starting at `tagStart`, on its line, with its indentation. */
export function insertClassicTags(html: string, tagStart: number, app: AppPackage, htmlPath: string): string {
  if (hasClassicTags(html)) return html
  const lineStart = html.lastIndexOf('\n', tagStart - 1) + 1
  const before = html.slice(lineStart, tagStart)
  const indent = /^\s*$/.test(before) ? before : ''
  return html.slice(0, tagStart) + classicTags(app, htmlPath, indent) + html.slice(tagStart)
}

/** Start offset of the `<script src="…">` tag in `html` that loads `file`, if any. */
export function scriptTagStartFor(
  html: string,
  htmlPath: string,
  app: AppPackage,
  file: string,
): number | undefined {
  for (const tag of scanScriptTags(html)) {
    const src = tag.attrs.get('src')
    if (src && resolveSrc(app, htmlPath, src) === file) return tag.contentStart - tag.openTag.length
  }
  return undefined
}
