import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'

/**
 * Every `*.md` file in `guidesDir` becomes a resource `byok://guides/<name>`. A missing directory means no
 * resources, so the server works before the skill ships its references.
 */
export function registerGuideResources(server: McpServer, guidesDir: string | undefined): void {
  if (!guidesDir || !existsSync(guidesDir) || !statSync(guidesDir).isDirectory()) return
  const files = readdirSync(guidesDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
  for (const file of files) {
    const name = basename(file, '.md')
    const uri = `byok://guides/${name}`
    const path = join(guidesDir, file)
    const title =
      readFileSync(path, 'utf8')
        .match(/^#\s+(.+)$/m)?.[1]
        ?.trim() ?? name
    server.registerResource(
      `guide-${name}`,
      uri,
      { title, description: `byok reference guide: ${title}`, mimeType: 'text/markdown' },
      async () => ({ contents: [{ uri, mimeType: 'text/markdown', text: readFileSync(path, 'utf8') }] }),
    )
  }
}
