import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Env } from '@byok/relay'
import { CliError } from '../errors.js'

/** One bundled template, as listed in `templates/index.json`. */
interface TemplateEntry {
  readonly name: string
  readonly description: string
  readonly framework: string
  /** The public env var the app reads the relay URL from (`VITE_BYOK_RELAY_URL`, `NEXT_PUBLIC_BYOK_RELAY_URL`). */
  readonly env: string
  readonly appIdEnv: string
  /** Files shared by some templates only (the React components of `react` and `next`), copied like `shared`. */
  readonly shared?: readonly SharedFile[]
}

/** A file kept once in templates/ and copied into every scaffolded project (the client helper). */
export interface SharedFile {
  readonly from: string
  readonly to: string
}

export interface TemplateRegistry {
  /** The templates directory the registry was read from. */
  readonly dir: string
  readonly shared: readonly SharedFile[]
  readonly templates: readonly TemplateEntry[]
}

// Published: <pkg>/dist/scaffold → <pkg>/templates (copied in by `prepack`). From source in the repository:
// cli/src/scaffold → <repo>/templates only: `pnpm pack` copies it into cli/templates for a moment, and a test
// scaffolding from source then must not read that half-made copy. Found relative to this file: no network.
/** True when the CLI runs from its TypeScript sources (a repository checkout), not from a published build. */
export const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts')

const CANDIDATES = RUNNING_FROM_SOURCE
  ? [new URL('../../../templates/', import.meta.url)]
  : [new URL('../../templates/', import.meta.url)]

/** The bundled templates directory: `BYOK_TEMPLATES_DIR` (dev and tests) or the one shipped with the CLI. */
export function resolveTemplatesDir(env: Env, cwd: string): string {
  if (env.BYOK_TEMPLATES_DIR) return resolve(cwd, env.BYOK_TEMPLATES_DIR)
  for (const candidate of CANDIDATES) {
    const dir = fileURLToPath(candidate)
    if (existsSync(join(dir, 'index.json'))) return dir
  }
  throw new CliError('cannot find the bundled templates', {
    code: 'templates_missing',
    hint: 'Reinstall byok, or point BYOK_TEMPLATES_DIR at a templates directory.',
  })
}

/** Reads `index.json`: the single list the prompt, `--help` and validation are generated from. */
export function loadTemplateRegistry(dir: string): TemplateRegistry {
  const file = join(dir, 'index.json')
  let data: { shared?: SharedFile[]; templates?: TemplateEntry[] }
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data
  } catch (error) {
    throw new CliError(`cannot read ${file}`, { code: 'templates_missing', cause: error })
  }
  return { dir, shared: data.shared ?? [], templates: data.templates ?? [] }
}
