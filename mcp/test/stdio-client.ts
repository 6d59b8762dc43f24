// Re-exported for cli/test/mcp.test.ts and test/mcp/: neither the CLI nor the e2e package depends on the SDK, and a
// bare specifier resolves from the importing file, so those tests borrow this package's copy.
export { Client } from '@modelcontextprotocol/sdk/client/index.js'
export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
export { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
export type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
