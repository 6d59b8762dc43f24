import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const PNPM = ['-y', 'pnpm@12.4.2'] as const

/** A package the repository publishes: where it lives and the bins it must ship. */
export interface PublishedPackage {
  readonly name: string
  readonly dir: string
  readonly bins: readonly string[]
}

/** Every package `pnpm release:dry` lists and test/packaging installs from its tarball, dependencies first. */
export const PUBLISHED_PACKAGES: readonly PublishedPackage[] = [
  { name: '@byok/relay', dir: 'relay', bins: ['byok-relay'] },
  { name: '@byok/mcp', dir: 'mcp', bins: [] },
  { name: '@byok/client', dir: 'templates/client', bins: [] },
  { name: 'byok', dir: 'cli', bins: ['byok', 'create-byok'] },
  { name: 'create-byok', dir: 'cli/create-byok', bins: ['create-byok'] },
]

/**
 * `pnpm pack` of each published package into `dest` (each prepack builds its dist/ first). pnpm, not npm: pnpm
 * applies publishConfig and turns `workspace:*` into the real version, as `pnpm publish` would. Returns the
 * tarball path per package name.
 */
export async function packPackages(dest: string): Promise<Map<string, string>> {
  const tarballs = new Map<string, string>()
  for (const pkg of PUBLISHED_PACKAGES) {
    const before = new Set(readdirSync(dest))
    await promisify(execFile)('npx', [...PNPM, 'pack', '--pack-destination', dest], {
      cwd: join(REPO_ROOT, pkg.dir),
      env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' },
      timeout: 600_000,
    })
    const tarball = readdirSync(dest).find((name) => name.endsWith('.tgz') && !before.has(name))
    if (!tarball) throw new Error(`pnpm pack wrote no .tgz for ${pkg.name}`)
    tarballs.set(pkg.name, join(dest, tarball))
  }
  return tarballs
}
