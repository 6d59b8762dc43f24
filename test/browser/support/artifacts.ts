import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** test/browser/artifacts/ (gitignored), or $BYOK_ARTIFACTS_DIR when CI collects artifacts elsewhere. */
export function resolveArtifactPath(name: string): string {
  const dir = process.env.BYOK_ARTIFACTS_DIR
    ? resolve(process.env.BYOK_ARTIFACTS_DIR)
    : fileURLToPath(new URL('../artifacts/', import.meta.url))
  mkdirSync(dir, { recursive: true })
  return join(dir, name)
}
