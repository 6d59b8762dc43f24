import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

/** templates/client: the @byok/client package. */
export const CLIENT_PACKAGE_DIR = fileURLToPath(new URL('../../templates/client/', import.meta.url))

let packed: Promise<string> | undefined

/**
 * `pnpm pack` of templates/client (its prepack builds dist/ first), once per process, into a temp dir removed
 * when the process exits. Resolves with the .tgz path, to install with `npm install <tgz>`: tests use the
 * package as it would be published, never a registry copy.
 */
export function packByokClient(): Promise<string> {
  packed ??= pack()
  return packed
}

async function pack(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-client-pack-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  // pnpm, not npm: pnpm applies publishConfig (exports without the workspace-only `source` condition).
  await promisify(execFile)('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', dir], {
    cwd: CLIENT_PACKAGE_DIR,
    env: { ...process.env, COREPACK_INTEGRITY_KEYS: '0' },
    timeout: 120_000,
  })
  const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'))
  if (!tarball) throw new Error(`pnpm pack wrote no .tgz into ${dir}`)
  return join(dir, tarball)
}
