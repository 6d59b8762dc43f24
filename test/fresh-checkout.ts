import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { REPO_ROOT } from './readme.js'

/**
 * A copy of the checkout as a clone would have it: tracked files plus new files not ignored by .gitignore
 * (so uncommitted work is tested too), and nothing else — no node_modules, no data, no build output.
 */
export async function withFreshCheckout<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-checkout-'))
  try {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter(Boolean)
    for (const file of files) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      try {
        cpSync(join(REPO_ROOT, file), join(dir, file))
      } catch (error) {
        // A file deleted in the work tree but still in the index is absent from a fresh clone too.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    return await fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
