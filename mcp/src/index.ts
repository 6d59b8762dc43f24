export { MCP_CLIENTS, type McpClientName, renderClientConfig } from './client-config.js'
export type { ScaffoldArgs, ScaffoldFunction, ScaffoldResult } from './context.js'
export { type CreateServerOptions, createServer } from './server.js'
export { connectStdio } from './stdio.js'
