import { RELAY_VERSION } from '@byok/relay'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type {
  IntegrateFunction,
  RegisterTool,
  RelaySource,
  ScaffoldFunction,
  ToolContext,
} from './context.js'
import { registerIntegratePrompt } from './prompt.js'
import { createRelayClient } from './relay-client.js'
import { registerGuideResources } from './resources.js'
import { renderStepOrder } from './steps.js'
import { deleteKeyTool } from './tools/delete-key.js'
import { integrateProjectTool } from './tools/integrate-project.js'
import { listKeysTool } from './tools/list-keys.js'
import { registerUserTool } from './tools/register-user.js'
import { relayHealthTool } from './tools/relay-health.js'
import { scaffoldProjectTool } from './tools/scaffold-project.js'
import { storeKeyTool } from './tools/store-key.js'
import { testRelayTool } from './tools/test-relay.js'

export interface CreateServerOptions {
  /** The relay the tools talk to, e.g. `http://127.0.0.1:3000`. */
  readonly relayUrl: string
  /** A relay token to start the session with (`RELAY_TOKEN`); register_user replaces it. */
  readonly token?: string | undefined
  /** Where store_key's `key_env` names are looked up (the server process's environment); ignored when remote. */
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Where the relay comes from (default `configured`); relay_health reports it and errors name the remedy. */
  readonly relaySource?: RelaySource
  /** Sent on POST /users when the relay requires APP_SECRET. */
  readonly appSecret?: string | undefined
  readonly fetch?: typeof fetch
  /** The CLI's scaffolder; scaffold_project is registered only when given (and not remote). */
  readonly scaffold?: ScaffoldFunction | undefined
  /** The CLI's codemod; integrate_project is registered only when given with `root` (and not remote). */
  readonly integrate?: IntegrateFunction | undefined
  /** The directory integrate_project's paths resolve against and may not leave: the server's working directory. */
  readonly root?: string | undefined
  /**
   * Serving remote clients (the relay's `/mcp`, see `createMcpRoutes`): no register_user (the bearer token fixes
   * the user), no file-system tools and no `key_env`, whatever else is passed.
   */
  readonly remote?: boolean
  /** Directory of `*.md` reference guides exposed as resources (skipped when missing). */
  readonly guidesDir?: string | undefined
}

// Listed in the order an agent uses them (the integrate-byok prompt follows it).
const TOOLS: readonly RegisterTool[] = [
  relayHealthTool,
  registerUserTool,
  storeKeyTool,
  listKeysTool,
  deleteKeyTool,
  testRelayTool,
  integrateProjectTool,
  scaffoldProjectTool,
]

/**
 * The byok MCP server: relay tools, the skill's guides as resources, and the `integrate-byok` prompt.
 * Connect it to any transport; it never touches `process`.
 *
 * @example
 * await createServer({ relayUrl: 'http://127.0.0.1:3000' }).connect(new StdioServerTransport())
 */
export function createServer(options: CreateServerOptions): McpServer {
  const remote = options.remote ?? false
  const server = new McpServer(
    { name: 'byok', version: RELAY_VERSION },
    {
      instructions: remote
        ? 'byok lets an app’s users bring their own AI provider keys through a relay. This server runs on the relay ' +
          'and acts for the user of your relay token. Start with relay_health, then store_key and test_relay.'
        : 'byok lets an app’s users bring their own AI provider keys through a relay. The order: ' +
          `${renderStepOrder('existing')} (for a new app: ${renderStepOrder('new')}). The integrate-byok prompt explains each step.`,
    },
  )
  const relayUrl = options.relayUrl.replace(/\/+$/, '')
  const ctx: ToolContext = {
    relay: createRelayClient(relayUrl, options.fetch),
    relayUrl,
    relaySource: remote ? 'configured' : (options.relaySource ?? 'configured'),
    env: remote ? undefined : (options.env ?? {}),
    appSecret: remote ? undefined : options.appSecret,
    session: { token: options.token || undefined },
    scaffold: remote ? undefined : options.scaffold,
    integrate: remote || !options.root ? undefined : options.integrate,
    root: remote ? undefined : options.root,
    remote,
  }
  for (const register of TOOLS) register(server, ctx)
  registerGuideResources(server, options.guidesDir)
  registerIntegratePrompt(server, {
    canScaffold: ctx.scaffold !== undefined,
    canIntegrate: ctx.integrate !== undefined,
    remote,
  })
  return server
}
