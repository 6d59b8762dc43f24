import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { IntegrateReport } from './integrate-report.js'
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

export type ScaffoldFunction = (args: ScaffoldArgs) => Promise<ScaffoldResult | ExistingProject>

/** What `integrate_project` hands to the CLI's integrate flow once the path has been checked. */
export interface IntegrateArgs {
  /** Absolute project directory, inside the server's root. */
  readonly dir: string
  /** Transform ids to run (default all). */
  readonly only?: readonly string[] | undefined
  /** Write the files (false = dry run). */
  readonly apply: boolean
  /** Apply even when the project's git tree has uncommitted changes. */
  readonly force: boolean
  /** Every changed file's full diff, added files included. */
  readonly detail: boolean
  /** The relay the app should call (for the next steps). */
  readonly relayUrl: string
}

/**
 * The CLI's integrate flow as `integrate_project` (injected so this package never imports the CLI). Throws errors
 * with a `message` and an optional `hint` (e.g. a dirty git tree without `force`).
 */
export type IntegrateFunction = (args: IntegrateArgs) => Promise<IntegrateReport>

/**
 * What scaffold_project finds at its target when it holds an app already: the CLI's answer is to integrate it.
 * Returned (not thrown) by the scaffold function.
 */
export interface ExistingProject {
  readonly existing: true
  readonly dir: string
  readonly framework: string
  /** Provider calls found, `file:line provider kind`. */
  readonly found: readonly string[]
}

/** Per-server state shared by the tools: the relay client and the session's relay token. */
export interface ToolContext {
  readonly relay: RelayClient
  readonly relayUrl: string
  /** Where the relay comes from: started by this server, a dev relay already running, or RELAY_URL / remote. */
  readonly relaySource: RelaySource
  /** Where store_key's `key_env` names are looked up; undefined when `key_env` is not offered (remote). */
  readonly env: Readonly<Record<string, string | undefined>> | undefined
  /** Sent as `Authorization: Bearer` on POST /users when the relay requires APP_SECRET. */
  readonly appSecret: string | undefined
  readonly session: { token: string | undefined }
  readonly scaffold: ScaffoldFunction | undefined
  readonly integrate: IntegrateFunction | undefined
  /** Directory `integrate_project` paths resolve against and may not leave (the server's working directory). */
  readonly root: string | undefined
  /**
   * Serving remote clients (the relay's `/mcp`): the session's user is fixed by the bearer token, and nothing may
   * touch this host's files or environment.
   */
  readonly remote: boolean
}

/**
 * `started`: `byok mcp` started the local dev relay and stops it on exit · `running`: the local dev relay was
 * already running (`byok dev`, another MCP session) · `configured`: RELAY_URL, or the relay serving `/mcp`.
 */
export type RelaySource = 'started' | 'running' | 'configured'

export type RegisterTool = (server: McpServer, ctx: ToolContext) => void
