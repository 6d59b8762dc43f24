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

/**
 * Writes `.env` from `.env.example`, with the relay URL and app id filled in: any `*BYOK_RELAY_URL` and
 * `*BYOK_APP_ID` variable gets the chosen value, so templates from other sources work too. Returns the relay
 * URL variable's name, or undefined when the template has no `.env.example` naming one.
 */
export function writeEnvFile(
  target: string,
  values: { relayUrl: string; appId: string },
): string | undefined {
  const example = join(target, '.env.example')
  if (!existsSync(example)) return undefined
  let relayVar: string | undefined
  const lines = readFileSync(example, 'utf8')
    .split('\n')
    .map((line) => {
      const match = /^\s*([A-Z0-9_]*BYOK_(RELAY_URL|APP_ID))\s*=/.exec(line)
      if (!match) return line
      if (match[2] === 'RELAY_URL') {
        relayVar = match[1]
        return `${match[1]}=${values.relayUrl}`
      }
      return `${match[1]}=${values.appId}`
    })
  writeFileSync(join(target, '.env'), lines.join('\n'))
  return relayVar
}
