import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runByok } from '@byok/test-kit'
import { run, useLocalClientPackage, userEnv } from '../../templates/helpers.js'

const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url))

export function fixturesDir(name: string): string {
  return join(FIXTURES_DIR, name)
}

/** Seconds each step took, printed by the tests so a slow install is visible in the log. */
export type Timings = Record<string, number>

/** `byok create app --template <name>` as a process, in `cwd`, with the relay URL written to the app's .env. */
export async function createTemplateApp(cwd: string, template: string, relayUrl: string): Promise<string> {
  const created = await runByok(
    ['create', 'app', '--template', template, '--no-install', '--relay-url', relayUrl],
    { cwd },
  )
  if (created.code !== 0) throw new Error(`byok create failed (${created.code}):\n${created.stderr}`)
  const dir = join(cwd, 'app')
  // From a checkout the CLI packs @byok/client beside package.json (it is not on the registry before it is
  // published); the tests then share one packed copy instead of packing per app.
  const spec = readDependency(dir, '@byok/client')
  const packed = /^file:(\.\/byok-client-\d+\.\d+\.\d+\.tgz)$/.exec(spec ?? '')?.[1]
  if (!packed || !existsSync(join(dir, packed))) {
    throw new Error(`byok create should depend on a packed @byok/client beside package.json, not ${spec}`)
  }
  await useLocalClientPackage(dir)
  return dir
}

function readDependency(dir: string, name: string): string | undefined {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>
  }
  return pkg.dependencies?.[name]
}

export function createReactApp(cwd: string, relayUrl: string): Promise<string> {
  return createTemplateApp(cwd, 'react', relayUrl)
}

/** Copies a fixture app into `cwd` (node_modules and dist are never in a fixture). */
export function copyFixtureApp(name: string, cwd: string): string {
  const dir = join(cwd, name)
  cpSync(fixturesDir(name), dir, { recursive: true })
  return dir
}

export async function installApp(dir: string, timings: Timings): Promise<void> {
  const { seconds } = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
  })
  timings.install = (timings.install ?? 0) + seconds
}

/** `npm run typecheck`, the template's own (tsc, vue-tsc or svelte-check); throws with its output when it fails. */
export async function typecheckApp(dir: string, timings: Timings): Promise<void> {
  const { seconds } = await run('npm', ['run', 'typecheck'], { cwd: dir, env: userEnv() })
  timings.typecheck = (timings.typecheck ?? 0) + seconds
}

/** `npm run build` with `env` on top of a clean user environment (Vite lets process env beat .env files). */
export async function buildApp(
  dir: string,
  timings: Timings,
  env: Record<string, string> = {},
): Promise<string> {
  const { seconds } = await run('npm', ['run', 'build'], { cwd: dir, env: userEnv(env) })
  timings.build = (timings.build ?? 0) + seconds
  return join(dir, 'dist')
}

/** Every file of a build, concatenated: what anyone can download from the deployed app. */
export function readBundle(dist: string): string {
  return readdirSync(dist, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    .join('\n')
}

/** The value of `name` in a dotenv file (the fixture's fake key, read rather than repeated in the test). */
export function readEnvValue(file: string, name: string): string {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}=`))
  if (!line) throw new Error(`${name} is not set in ${file}`)
  return line.slice(name.length + 1).trim()
}
