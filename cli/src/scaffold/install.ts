import { spawn } from 'node:child_process'
import type { Env } from '@byok/relay'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'

type PackageManager = 'npm' | 'pnpm' | 'yarn' | 'bun'

/** The package manager that ran us (`npm create`, `pnpm create`, `yarn create`, `bun create`); npm otherwise. */
export function detectPackageManager(env: Env): PackageManager {
  const name = env.npm_config_user_agent?.split('/')[0]
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm'
}

/** `npm run dev`, `pnpm dev`, … */
export function runScriptCommand(pm: PackageManager, script: string): string {
  return pm === 'npm' || pm === 'bun' ? `${pm} run ${script}` : `${pm} ${script}`
}

/** `npx byok dev`, `pnpm dlx byok dev`, … */
export function execCommand(pm: PackageManager, command: string): string {
  const runner = { npm: 'npx', pnpm: 'pnpm dlx', yarn: 'yarn dlx', bun: 'bunx' }[pm]
  return `${runner} ${command}`
}

/** Runs `<pm> install` in `dir`, echoing its output to stderr; throws a CliError on failure. */
export async function installDependencies(io: CliIo, pm: PackageManager, dir: string): Promise<void> {
  const started = Date.now()
  io.err(`byok: installing dependencies with ${pm} (this can take a minute)…`)
  const code = await new Promise<number | null>((resolve, reject) => {
    // Windows ships package managers as .cmd shims, which only a shell can start.
    const child = spawn(pm, ['install'], { cwd: dir, env: io.env, shell: process.platform === 'win32' })
    const echo = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) io.err(`  ${line.trimEnd()}`)
    }
    child.stdout.on('data', echo)
    child.stderr.on('data', echo)
    child.on('error', reject)
    child.on('close', resolve)
  }).catch((error: unknown) => {
    throw new CliError(`cannot run ${pm} install: ${(error as Error).message}`, {
      code: 'install_failed',
      hint: `Install ${pm}, or scaffold with --no-install and install yourself.`,
      cause: error,
    })
  })
  if (code !== 0) {
    throw new CliError(`${pm} install failed (exit code ${code})`, {
      code: 'install_failed',
      hint: `The project is scaffolded; fix the error above, then run \`${pm} install\` in it.`,
    })
  }
  io.err(`byok: dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)}s`)
}
