import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packByokClient } from '../client/pack.js'

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url))
export const CREATE_BYOK_BIN = fileURLToPath(new URL('../../cli/create-byok/index.js', import.meta.url))
const TSX = import.meta.resolve('tsx')

export interface TemplateInfo {
  readonly name: string
  readonly framework: string
  readonly env: string
}

export function readTemplates(): TemplateInfo[] {
  return (JSON.parse(readFileSync(`${TEMPLATES_DIR}index.json`, 'utf8')) as { templates: TemplateInfo[] })
    .templates
}

/**
 * npm as a user would run it, but quiet and cache-first: the e2e machine has a registry, and a warm cache
 * keeps each install to seconds. Nothing else leaks in from the test runner's environment.
 */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    NEXT_TELEMETRY_DISABLED: '1',
    ...extra,
  }
}

/** Runs a command to completion; rejects with its output when it fails. Returns output and duration. */
export function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<{ output: string; seconds: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? userEnv(), stdio: 'pipe' })
    let output = ''
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000
      if (code === 0) resolve({ output, seconds })
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code} in ${options.cwd}:\n${output}`))
    })
  })
}

/** `create-byok` exactly as `npx create-byok` runs it (the create-byok package's bin), from source. */
export function runCreateByok(args: string[], options: { cwd: string; env?: Record<string, string> }) {
  return run(process.execPath, ['--conditions=source', '--import', TSX, CREATE_BYOK_BIN, ...args], options)
}

/** Starts a long-running command in its own process group, so stopping it also stops what it spawned. */
export function startDetached(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
) {
  const child: ChildProcess = spawn(command, args, { ...options, stdio: 'pipe', detached: true })
  let output = ''
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString()
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  return {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM')
        } catch {}
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))])
        try {
          process.kill(-child.pid, 'SIGKILL')
        } catch {}
      }
    },
  }
}

/** Polls `url` until it answers 200 (a dev server coming up). */
export async function waitForOk(url: string, timeoutMs: number, describe: () => string): Promise<Response> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(url)
      if (response.ok) return response
    } catch {}
    if (Date.now() > deadline)
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms:\n${describe()}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/**
 * Points a scaffolded app's `@byok/client` dependency at the package packed from templates/client (tests never
 * install a registry copy): what `npm install` then installs is the package as it would be published.
 */
export async function useLocalClientPackage(dir: string): Promise<void> {
  const file = join(dir, 'package.json')
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { dependencies?: Record<string, string> }
  if (!pkg.dependencies?.['@byok/client']) throw new Error(`${file} does not depend on @byok/client`)
  pkg.dependencies['@byok/client'] = `file:${await packByokClient()}`
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`)
}
