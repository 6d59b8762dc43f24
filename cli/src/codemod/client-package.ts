import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import type { AppPackage } from './apps.js'

/** The browser client every integrated app uses, as an npm dependency (or one vendored file). */
export const CLIENT_PACKAGE = '@byok/client'

/** The compiled single-file builds of the package (templates/client/dist/vendor/). */
const VENDOR_FILES = { module: 'byok.js', types: 'byok.d.ts', global: 'byok.global.js' } as const

/** The global the classic-script build defines (`byokClient.createByok`). */
const CLASSIC_GLOBAL = 'byokClient'

/** `^x.y.z` of templates/client/package.json (the package is versioned with the CLI, whose version is the fallback). */
export function clientVersionRange(templatesDir: string): string {
  for (const file of [
    join(templatesDir, 'client', 'package.json'),
    join(templatesDir, '..', 'cli', 'package.json'),
  ]) {
    try {
      const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version
      if (typeof version === 'string') return `^${version}`
    } catch {}
  }
  throw new Error(
    `cannot read the ${CLIENT_PACKAGE} version from ${join(templatesDir, 'client', 'package.json')}`,
  )
}

/** Reads one vendored build; a missing build is an install problem, reported with what to run. */
export function readVendorFile(templatesDir: string, which: keyof typeof VENDOR_FILES): string {
  const file = join(templatesDir, 'client', 'dist', 'vendor', VENDOR_FILES[which])
  if (!existsSync(file)) {
    throw new Error(
      `${file} is missing: build ${CLIENT_PACKAGE} (pnpm --filter ${CLIENT_PACKAGE} build) or run without --vendor`,
    )
  }
  return readFileSync(file, 'utf8')
}

/** Project-relative paths of an app's byok files. */
export function clientFiles(app: AppPackage) {
  const vendor = posix.join(app.helperDir, 'vendor')
  return {
    instance: posix.join(app.helperDir, `byok-instance.${app.language}`),
    vendorModule: posix.join(vendor, VENDOR_FILES.module),
    vendorTypes: posix.join(vendor, VENDOR_FILES.types),
    vendorGlobal: posix.join(vendor, VENDOR_FILES.global),
    classicInstance: posix.join(app.helperDir, 'byok-instance.global.js'),
  }
}

/** The code style of the app's own sources, so added files pass its formatter check. */
export interface CodeStyle {
  readonly quote: "'" | '"'
  readonly semicolons: boolean
}

function appIdLiteral(app: AppPackage, style: CodeStyle): string {
  return `${style.quote}${app.appId.replace(/['"\\]/g, '')}${style.quote}`
}

/**
 * The instance module: imports `createByok` from the package (or the vendored file) and exports `byok`. It reads
 * the relay URL the framework's way, typed inline in TypeScript (no ambient env types assumed), in the app's
 * quote and semicolon style, every line short enough for default formatter widths.
 */
export function instanceSource(app: AppPackage, importFrom: string, style: CodeStyle): string {
  const setting = app.profile.relayUrl
  const semi = style.semicolons ? ';' : ''
  const q = style.quote
  const ts = app.language === 'ts'
  const lines = [`import { createByok } from ${q}${importFrom}${q}${semi}`, '']
  if (ts && setting.tsPreamble) lines.push(setting.tsPreamble, '')
  if (!setting.env) {
    lines.push(
      '// No env here: set globalThis.BYOK_RELAY_URL before this module loads, or edit the fallback.',
    )
  }
  lines.push(
    `const relayUrl = ${ts ? setting.readTs : setting.read}${semi}`,
    '',
    '/** This app’s byok client: provider calls go through the relay with the user’s own key (byok integrate). */',
    'export const byok = createByok({',
    `  relayUrl: relayUrl ?? ${q}http://127.0.0.1:3000${q},`,
    `  appId: ${appIdLiteral(app, style)},`,
    `})${semi}`,
    '',
  )
  return lines.join('\n')
}

/** The classic-script instance: defines the global `byok` the rewritten classic scripts call. */
export function classicInstanceSource(app: AppPackage): string {
  return `// This page's byok client for classic scripts (byok integrate): needs ${VENDOR_FILES.global} loaded first.
// Set window.BYOK_RELAY_URL before this script, or edit the fallback.
var byok = ${CLASSIC_GLOBAL}.createByok({
  relayUrl: globalThis.BYOK_RELAY_URL || 'http://127.0.0.1:3000',
  appId: '${app.appId.replace(/['"\\]/g, '')}',
})
`
}

/**
 * package.json with `@byok/client` added to `dependencies` (created when missing), in sorted position when the
 * list was sorted, with the file's own indentation and final newline. Undefined when it is there already.
 */
export function addDependency(packageJson: string, range: string): string | undefined {
  const json = JSON.parse(packageJson) as Record<string, unknown>
  const deps = (json.dependencies ?? {}) as Record<string, string>
  if (CLIENT_PACKAGE in deps || CLIENT_PACKAGE in ((json.devDependencies ?? {}) as object)) return undefined
  const names = Object.keys(deps)
  const sorted = names.every((name, i) => i === 0 || names[i - 1]!.localeCompare(name) <= 0)
  const entries = [...Object.entries(deps), [CLIENT_PACKAGE, range] as [string, string]]
  if (sorted) entries.sort(([a], [b]) => a.localeCompare(b))
  json.dependencies = Object.fromEntries(entries)
  const indent = /^\{\r?\n([ \t]+)"/.exec(packageJson)?.[1] ?? '  '
  const eol = packageJson.includes('\r\n') ? '\r\n' : '\n'
  const text = JSON.stringify(json, null, indent).replace(/\n/g, eol)
  return packageJson.endsWith('\n') ? `${text}${eol}` : text
}
