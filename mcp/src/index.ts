export { MCP_CLIENTS, type McpClientName, renderClientConfig } from './client-config.js'
export type {
  ExistingProject,
  IntegrateArgs,
  IntegrateFunction,
  RelaySource,
  ScaffoldArgs,
  ScaffoldFunction,
  ScaffoldResult,
} from './context.js'
export { createMcpRoutes, type McpRoutesOptions } from './http.js'
export type { IntegrateReport } from './integrate-report.js'
export { type CreateServerOptions, createServer } from './server.js'
export { connectStdio } from './stdio.js'
export { AGENT_STEPS, type AgentStep, nextAfter, renderStepOrder } from './steps.js'
