import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * Writes each `path → text` under `dir`, creating folders as needed: a small project for a test.
 *
 * @example
 * writeFiles(dir, { 'package.json': '{}\n', 'src/ai.ts': "import OpenAI from 'openai'\n" })
 */
export function writeFiles(
  dir: string,
  files: Readonly<Record<string, string>> | ReadonlyMap<string, string>,
): void {
  const entries = files instanceof Map ? files.entries() : Object.entries(files)
  for (const [path, text] of entries) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
}
