import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { RelayClient } from './relay-client.js'

/** What `byok mcp` hands to `scaffold_project`: the CLI's scaffolder, injected so this package never imports the CLI. */
export interface ScaffoldArgs {
  readonly template: string
  readonly dir: string
  readonly relayUrl: string
  readonly appId?: string | undefined
  readonly install: boolean
}

export interface ScaffoldResult {
  /** Absolute path of the created project. */
  readonly dir: string
  readonly template: string
  /** Variables written to the project's `.env`. */
  readonly env: Readonly<Record<string, string>>
  /** Commands to run next, in order. */
  readonly next: readonly string[]
}

export type ScaffoldFunction = (args: ScaffoldArgs) => Promise<ScaffoldResult>

/** Per-server state shared by the tools: the relay client and the session's relay token. */
export interface ToolContext {
  readonly relay: RelayClient
  readonly relayUrl: string
  readonly embedded: boolean
  readonly env: Readonly<Record<string, string | undefined>>
  /** Sent as `Authorization: Bearer` on POST /users when the relay requires APP_SECRET. */
  readonly appSecret: string | undefined
  readonly session: { token: string | undefined }
  readonly scaffold: ScaffoldFunction | undefined
}

export type RegisterTool = (server: McpServer, ctx: ToolContext) => void
