import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'

/**
 * Connect `server` to this process's stdin/stdout. Resolves once connected, with a promise that settles when the
 * client goes away (stdin closed). Nothing else may write to stdout after this.
 *
 * @example
 * const { closed } = await connectStdio(createServer({ relayUrl }))
 * await closed
 */
export async function connectStdio(server: McpServer): Promise<{ closed: Promise<void> }> {
  const transport = new StdioServerTransport()
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve()
  })
  // The SDK's stdio transport does not notice stdin ending; close it ourselves so the process can exit.
  process.stdin.once('end', () => void transport.close())
  await server.connect(transport)
  return { closed }
}
