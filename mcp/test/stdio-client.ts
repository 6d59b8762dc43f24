// Re-exported for cli/test/mcp.test.ts: the CLI package does not depend on the SDK itself, and a bare specifier
// resolves from the importing file, so the e2e test borrows this package's copy.
export { Client } from '@modelcontextprotocol/sdk/client/index.js'
export { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
export type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
