import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * test/browser/artifacts/<name> (gitignored), or under $BYOK_ARTIFACTS_DIR when CI collects artifacts elsewhere;
 * `name` may contain folders (`templates/react/chat-light.png`), which are created.
 */
export function resolveArtifactPath(name: string): string {
  const dir = process.env.BYOK_ARTIFACTS_DIR
    ? resolve(process.env.BYOK_ARTIFACTS_DIR)
    : fileURLToPath(new URL('../artifacts/', import.meta.url))
  const path = join(dir, name)
  mkdirSync(dirname(path), { recursive: true })
  return path
}
