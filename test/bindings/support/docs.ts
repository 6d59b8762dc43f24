import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLIENT_PACKAGE_DIR } from '../../client/pack.js'

/** templates/client/docs/<name>.md */
export function docPath(name: string): string {
  return join(CLIENT_PACKAGE_DIR, 'docs', `${name}.md`)
}

/**
 * The files a doc page's example consists of: every fenced block whose first line is `// file: <path>` (or
 * `<!-- file: <path> -->` in .vue/.svelte/.html blocks), keyed by path, without that line. A page's reader copies
 * exactly these; the tests build and run them as they are.
 */
export function readDocExample(name: string): Record<string, string> {
  const text = readFileSync(docPath(name), 'utf8')
  const files: Record<string, string> = {}
  for (const [, body] of text.matchAll(/^```[\w-]*\n([\s\S]*?)^```$/gm)) {
    const marker = /^(?:\/\/ file: (\S+)|<!-- file: (\S+) -->)\n/.exec(body!)
    if (!marker) continue
    const path = marker[1] ?? marker[2]!
    if (path in files) throw new Error(`${name}.md names ${path} twice`)
    files[path] = body!.slice(marker[0].length)
  }
  if (Object.keys(files).length === 0) throw new Error(`${name}.md has no \`// file:\` example`)
  return files
}
