import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
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

/**
 * The workspace's own compiled better-sqlite3 as a local prebuild (prebuild-install's `<pkg>_local_prebuilds`
 * directory), so an npm install of the packed relay uses it instead of compiling SQLite a second time (minutes
 * on two cores). When npm resolves another 12.x version, the file name does not match and npm compiles as a
 * user's machine without a prebuilt binary would. Returns the environment variable to pass to npm.
 */
export async function localSqlitePrebuild(dest: string): Promise<Record<string, string>> {
  const require = createRequire(join(REPO_ROOT, 'relay/package.json'))
  const manifest = require.resolve('better-sqlite3/package.json')
  const pkgDir = dirname(manifest)
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
  const binary = 'build/Release/better_sqlite3.node'
  if (!existsSync(join(pkgDir, binary))) return {}
  mkdirSync(dest, { recursive: true })
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`
  await promisify(execFile)('tar', ['-czf', join(dest, name), '-C', pkgDir, binary])
  return { npm_config_better_sqlite3_local_prebuilds: dest }
}
