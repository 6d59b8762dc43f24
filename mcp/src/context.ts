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

/** What `integrate_project` hands to the CLI's codemod once the path has been checked. */
export interface IntegrateArgs {
  /** Absolute project directory, inside the server's root. */
  readonly dir: string
  /** Transform ids to run (default all). */
  readonly only?: readonly string[] | undefined
  /** Write the files (false = dry run). */
  readonly apply: boolean
  /** Apply even when the project's git tree has uncommitted changes. */
  readonly force: boolean
  /** The relay the app should call (for the next steps). */
  readonly relayUrl: string
}

/**
 * The report `byok integrate --json` prints (`toIntegrationReport` in the CLI), typed only as far as the tool's
 * summary needs it; the tool returns the whole object unchanged.
 */
export interface IntegrateReport {
  readonly projectDir: string
  readonly framework: string
  readonly files: readonly {
    readonly path: string
    readonly status: string
    readonly diff: string
    readonly transforms: readonly string[]
    readonly error?: string
  }[]
  readonly found: readonly {
    readonly file: string
    readonly line: number
    readonly kind: string
    readonly provider: string
    readonly keySources: readonly string[]
  }[]
  readonly manual: readonly {
    readonly file: string
    readonly line: number
    readonly reason: string
    readonly suggestion: string
  }[]
  readonly leakedEnvKeys: readonly { readonly file: string; readonly variable: string }[]
  readonly applied: boolean
}

/**
 * The CLI's codemod as `integrate_project` (injected so this package never imports the CLI). Throws errors with a
 * `message` and an optional `hint` (e.g. a dirty git tree without `force`).
 */
export type IntegrateFunction = (
  args: IntegrateArgs,
) => Promise<{ readonly report: IntegrateReport; readonly next: readonly string[] }>

/** Per-server state shared by the tools: the relay client and the session's relay token. */
export interface ToolContext {
  readonly relay: RelayClient
  readonly relayUrl: string
  readonly embedded: boolean
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

export type RegisterTool = (server: McpServer, ctx: ToolContext) => void
