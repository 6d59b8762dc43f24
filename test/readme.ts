import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** The README's fenced ```bash blocks, in order. */
export function readmeBashBlocks(readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')): string[] {
  return [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!.trim())
}

/** The two commands the README opens with: start the relay, run every test. */
export function readmeCommands(): { start: string; test: string } {
  const [start, test] = readmeBashBlocks()
  if (!start || !test) throw new Error('README must open with two bash blocks: start, then test')
  return { start, test }
}

/** The README's `byok dev --mock` command (a ```sh block), which the curl flow runs against. */
export function readmeMockCommand(readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')): string {
  const command = readme.match(/^```sh\n(.*byok dev --mock)\n```$/m)?.[1]
  if (!command) throw new Error('README has no ```sh block with `byok dev --mock`')
  return command
}

/** The curl flow block, marked with `<!-- quickstart-curl … -->`. */
export function readmeCurlFlow(): string {
  const readme = readFileSync(`${REPO_ROOT}/README.md`, 'utf8')
  const at = readme.indexOf('<!-- quickstart-curl')
  if (at < 0) throw new Error('README has no quickstart-curl block')
  const block = readmeBashBlocks(readme.slice(at))[0]
  if (!block) throw new Error('quickstart-curl marker is not followed by a bash block')
  return block
}
