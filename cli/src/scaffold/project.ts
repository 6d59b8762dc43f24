import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { CliError } from '../errors.js'
import type { SharedFile } from './registry.js'

/** Stored with an underscore in templates/ so npm publishes them and tools don't act on them (create-vite). */
const RENAMED: Readonly<Record<string, string>> = {
  _gitignore: '.gitignore',
  '_env.example': '.env.example',
  _npmrc: '.npmrc',
}

/** Never copied from a template directory (left behind by an in-place build). */
const SKIPPED = new Set(['node_modules', 'dist', '.next', '.svelte-kit', '.env'])

/** True when `dir` is missing or has nothing in it but `.git` (an empty repository is fine to scaffold into). */
export function isEmptyDir(dir: string): boolean {
  if (!existsSync(dir)) return true
  return readdirSync(dir).every((name) => name === '.git')
}

/** Copies a template directory's files into `target` (existing files with the same names are overwritten). */
export function copyTemplateDir(source: string, target: string): void {
  mkdirSync(target, { recursive: true })
  cpSync(source, target, {
    recursive: true,
    force: true,
    filter: (path) => !SKIPPED.has(basename(path)),
  })
}

/** `_gitignore` → `.gitignore` and friends, at the project root. */
export function renameDotfiles(target: string): void {
  for (const [stored, real] of Object.entries(RENAMED)) {
    if (existsSync(join(target, stored))) renameSync(join(target, stored), join(target, real))
  }
}

/** Copies each shared file (the client helper) unless the template already ships its own copy. */
export function copySharedFiles(
  templatesDir: string,
  shared: readonly SharedFile[],
  target: string,
): string[] {
  const written: string[] = []
  for (const file of shared) {
    const to = join(target, file.to)
    if (existsSync(to)) continue
    mkdirSync(dirname(to), { recursive: true })
    cpSync(join(templatesDir, file.from), to)
    written.push(file.to)
  }
  return written
}

/** npm's package-name rules, applied to a directory name: lower case, url-safe, no leading dot or underscore. */
export function toPackageName(dirName: string): string {
  const name = dirName
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/^[._]+/, '')
    .replace(/[^a-z0-9-~]+/g, '-')
  return name || 'byok-app'
}

/** Sets `name` in package.json (if there is one). */
export function setPackageName(target: string, name: string): void {
  const file = join(target, 'package.json')
  if (!existsSync(file)) return
  let pkg: Record<string, unknown>
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new CliError(`the template's package.json is not valid JSON`, {
      code: 'template_invalid',
      cause: error,
    })
  }
  writeFileSync(file, `${JSON.stringify({ ...pkg, name }, null, 2)}\n`)
}

/** Characters a dotenv loader (dotenv + dotenv-expand, as Vite and Next use) would not keep literally. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be refused
const ENV_UNSAFE = /[\u0000-\u001f\u007f"'`$\\]/

/**
 * An app id as `POST /users` accepts it (1–200 characters, no control characters), and safe in a `.env` line:
 * no quotes, backslash or `$` (which dotenv-expand would expand).
 */
export function checkAppId(value: string): string {
  if (value.length < 1 || value.length > 200 || ENV_UNSAFE.test(value)) {
    throw new CliError(
      'the app id must be 1–200 characters without control characters, quotes, backslash or $',
      {
        code: 'app_id_invalid',
        hint: 'Use the package name or a slug, e.g. my-app.',
      },
    )
  }
  return value
}

/** An http(s) URL without credentials, query or fragment, safe in a `.env` line; returned without a trailing slash. */
export function checkRelayUrl(value: string): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {}
  const valid =
    url !== undefined &&
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    !url.username &&
    !url.password &&
    !url.search &&
    !url.hash &&
    !ENV_UNSAFE.test(value) &&
    !/\s/.test(value)
  if (!valid) {
    throw new CliError('the relay URL must be an http(s) URL without credentials, query or spaces', {
      code: 'relay_url_invalid',
      hint: 'For the local dev relay: http://127.0.0.1:3000',
    })
  }
  return value.replace(/\/+$/, '')
}

/** `NAME="value"` for a checked value (double quotes: a `#` or a space stays part of the value). */
function envLine(name: string, value: string): string {
  if (ENV_UNSAFE.test(value)) throw new CliError(`unsafe value for ${name}`, { code: 'env_value_invalid' })
  return `${name}="${value}"`
}

/**
 * Sets `values` in a dotenv file: an existing `NAME=` line is replaced, a missing one appended (the file is
 * created when missing). Other lines stay as they are.
 */
export function setEnvValues(file: string, values: Readonly<Record<string, string>>): void {
  const before = existsSync(file) ? readFileSync(file, 'utf8') : ''
  const pending = new Map(Object.entries(values))
  const lines = before === '' ? [] : before.replace(/\n$/, '').split('\n')
  const out = lines.map((line) => {
    const name = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1]
    const value = name === undefined ? undefined : pending.get(name)
    if (name === undefined || value === undefined) return line
    pending.delete(name)
    return envLine(name, value)
  })
  for (const [name, value] of pending) out.push(envLine(name, value))
  writeFileSync(file, `${out.join('\n')}\n`)
}

/**
 * Writes `.env` from `.env.example`, with the relay URL and app id filled in: any `*BYOK_RELAY_URL` and
 * `*BYOK_APP_ID` variable gets the chosen value, so templates from other sources work too. Values are checked
 * (`checkRelayUrl`, `checkAppId`) and quoted, so no value can add a line. Returns the relay URL variable's name, or
 * undefined when the template has no `.env.example` naming one.
 */
export function writeEnvFile(
  target: string,
  values: { relayUrl: string; appId: string },
): string | undefined {
  const example = join(target, '.env.example')
  if (!existsSync(example)) return undefined
  const relayUrl = checkRelayUrl(values.relayUrl)
  const appId = checkAppId(values.appId)
  let relayVar: string | undefined
  const lines = readFileSync(example, 'utf8')
    .split('\n')
    .map((line) => {
      const match = /^\s*([A-Z0-9_]*BYOK_(RELAY_URL|APP_ID))\s*=/.exec(line)
      if (!match) return line
      if (match[2] === 'RELAY_URL') {
        relayVar = match[1]
        return envLine(match[1]!, relayUrl)
      }
      return envLine(match[1]!, appId)
    })
  writeFileSync(join(target, '.env'), lines.join('\n'))
  return relayVar
}
