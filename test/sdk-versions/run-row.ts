import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { build } from 'esbuild'
import { applyIntegration, type FilePlan, planIntegration } from '../../cli/src/codemod/run.js'
import type { Diagnostic } from '../../cli/src/codemod/types.js'
import { TEMPLATES_DIR } from '../templates/helpers.js'

const TEST_NODE_MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url))
const CLIENT_DIR = join(TEMPLATES_DIR, 'client')

/** `@byok/client` (what the integrated app imports) from this checkout's sources, not a registry. */
function clientEntry(): string {
  return join(CLIENT_DIR, 'src', 'index.ts')
}
export const APP_FILE = 'src/chat.ts'

/** The key the app used to ship in its bundle: after the rewrite it must never be sent anywhere. */
export const APP_KEY = 'sk-app-bundled-key-that-must-not-be-used-0000'

export interface IntegratedRow {
  readonly file: FilePlan
  readonly manual: readonly Diagnostic[]
  /** The app module after `applyIntegration`. */
  readonly after: string
}

/**
 * A Vite app whose one module is `source`, integrated through the codemod's public planning function and written
 * as `byok integrate` would write it.
 */
export function integrateRow(dir: string, source: string, keyEnv: string): IntegratedRow {
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'sdk-row', private: true, type: 'module', devDependencies: { vite: '^7.0.0' } }),
  )
  writeFileSync(join(dir, '.env.local'), `${keyEnv}=${APP_KEY}\n`)
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, APP_FILE), source)
  const plan = planIntegration(dir, { templatesDir: TEMPLATES_DIR })
  applyIntegration(plan)
  const file = plan.files.find((f) => f.path === APP_FILE)
  if (!file) throw new Error(`${APP_FILE} is missing from the plan`)
  return {
    file,
    manual: plan.manual.filter((d) => d.file === APP_FILE),
    after: readFileSync(join(dir, APP_FILE), 'utf8'),
  }
}

/**
 * Bundles the integrated app module for the browser (esbuild, `browser` conditions) with `import.meta.env` inlined
 * as Vite would, each module specifier resolved to the installed copy that plays the row's version.
 */
export async function bundleRow(
  dir: string,
  packages: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const outfile = join(dir, 'out', 'chat.mjs')
  await build({
    entryPoints: [join(dir, APP_FILE)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { '@byok/client': clientEntry(), ...packages },
    nodePaths: [TEST_NODE_MODULES],
    define: { 'import.meta.env': JSON.stringify(env) },
    logLevel: 'silent',
  })
  return outfile
}

/**
 * A browser's globals as far as the bundles need them: `window`, and the signed-in user: their relay token sits where the helper keeps it (a localStorage shim, as in the browser).
 * A registration would mean the helper ignored it, so `setItem` throws. Prints what `ask` and `streamAsk` returned.
 */
const RUNNER = `
const [bundle, marker] = process.argv.slice(2)
const token = process.env.BYOK_TEST_RELAY_TOKEN
// Browser bundles may look for \`window\` (axios's form-data shim does, when openai@3 builds its client).
globalThis.window = globalThis
globalThis.localStorage = {
  getItem: (key) => (key.startsWith('byok:token:') ? token : null),
  setItem() {
    throw new Error('the helper registered a new relay user instead of using the signed-in one')
  },
  removeItem() {},
}
const describe = (error) => String(error?.stack ?? error).split('\\n').slice(0, 4).join(' | ')
const result = {}
const app = await import(bundle)
try {
  result.json = await app.ask(marker + ' json')
} catch (error) {
  result.jsonError = describe(error)
}
try {
  result.stream = await app.streamAsk(marker + ' stream')
} catch (error) {
  result.streamError = describe(error)
}
process.stdout.write(JSON.stringify(result))
`

export interface RowRun {
  readonly json?: string
  readonly jsonError?: string
  readonly stream?: string[]
  readonly streamError?: string
}

/** Runs the bundled app in a fresh Node process: one JSON call and one streamed call, each tagged with `marker`. */
export async function runRow(dir: string, bundle: string, token: string, marker: string): Promise<RowRun> {
  const runner = join(dir, 'run.mjs')
  writeFileSync(runner, RUNNER)
  const { stdout } = await promisify(execFile)(process.execPath, [runner, bundle, marker], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', BYOK_TEST_RELAY_TOKEN: token },
    timeout: 30_000,
  })
  return JSON.parse(stdout) as RowRun
}
