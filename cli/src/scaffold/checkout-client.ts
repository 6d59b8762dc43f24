import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from '../errors.js'
import { RUNNING_FROM_SOURCE } from './registry.js'

/**
 * Run from a source checkout, the CLI scaffolds apps that depend on `@byok/client`, which is published together
 * with the CLI and so is not on the registry yet: `npm install` would answer 404. The checkout's built package is
 * packed into the app (one `.tgz` beside package.json, which no linter or bundler reads) and the dependency points
 * at it. A published CLI leaves the registry range alone.
 *
 * @example
 * const tarball = useCheckoutClient(registry.dir, target) // 'byok-client-0.1.0.tgz' from a checkout, else undefined
 */
export function useCheckoutClient(templatesDir: string, target: string): string | undefined {
  const clientDir = join(templatesDir, 'client')
  const manifest = join(target, 'package.json')
  if (!RUNNING_FROM_SOURCE || !existsSync(join(clientDir, 'package.json')) || !existsSync(manifest))
    return undefined
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { dependencies?: Record<string, string> }
  if (pkg.dependencies?.['@byok/client'] === undefined) return undefined
  if (!existsSync(join(clientDir, 'dist', 'index.js'))) {
    throw new CliError('the checkout has no built @byok/client (templates/client/dist is missing)', {
      code: 'client_not_built',
      hint: 'Run `npx -y pnpm@12.4.2 install` at the repository root (it builds templates/client), then create again.',
    })
  }
  let tarball: string
  try {
    // dist is already built by the workspace install: no scripts, so packing needs nothing but npm.
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', target], {
      cwd: clientDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    tarball = (JSON.parse(out) as { filename: string }[])[0]!.filename.replace(/^@byok\//, 'byok-')
  } catch (error) {
    throw new CliError('cannot pack the checkout’s @byok/client for the new app', {
      code: 'client_pack_failed',
      hint: 'Check that npm runs, or scaffold with the published CLI (npx create-byok).',
      cause: error,
    })
  }
  pkg.dependencies['@byok/client'] = `file:./${tarball}`
  writeFileSync(manifest, `${JSON.stringify(pkg, null, 2)}\n`)
  return tarball
}
