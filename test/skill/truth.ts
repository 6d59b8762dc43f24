// What exists, read from the code at test time: the sync test compares the skill against these, so the skill
// cannot name a command, flag, tool, variable, route or error code that the code does not have.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type AppDeps,
  baseUrlVariable,
  buildApp,
  ERRORS,
  findProvider,
  loadConfig,
  openSqliteStore,
  PROVIDER_IDS,
} from '@byok/relay'
import { KEY_ENV_NAME } from '../../cli/src/codemod/mappings/providers.js'
import { RELAY_URL_ENV } from '../../cli/src/codemod/project.js'
// The SDK is a dependency of @byok/mcp, not of this package, so it is reached through mcp/'s node_modules. (mcp's
// own test helpers also load the HTTP client, whose eventsource-parser ships TypeScript under our `source`
// condition, which this project does not compile.)
import { Client } from '../../mcp/node_modules/@modelcontextprotocol/sdk/dist/esm/client/index.js'
import { InMemoryTransport } from '../../mcp/node_modules/@modelcontextprotocol/sdk/dist/esm/inMemory.js'
import { CONFIG_VARIABLES } from '../../relay/src/config.js'
import { REPO_ROOT } from '../readme.js'

// The CLI and the MCP server are loaded at run time without their types: importing them statically would make
// this package's type-check compile cli/ and mcp/ sources under its own settings (those packages check themselves).
const importUntyped = (url: URL): Promise<Record<string, unknown>> => import(url.href)

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>)

async function resolveValue<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value
}

/** One `byok` command: the flags it accepts (without dashes) and its subcommands. */
export interface CommandInfo {
  readonly flags: ReadonlySet<string>
  readonly subCommands: ReadonlySet<string>
}

// citty adds these to every command.
const BUILT_IN_FLAGS = ['help', 'h', 'version', 'v']

interface CittyArg {
  type?: string
  alias?: string | string[]
}
interface CittyCommand {
  args?: Resolvable<Record<string, CittyArg>>
  subCommands?: Resolvable<Record<string, Resolvable<CittyCommand>>>
}

async function describeCommand(command: CittyCommand): Promise<CommandInfo> {
  const args = (await resolveValue(command.args ?? {})) ?? {}
  const flags = new Set(BUILT_IN_FLAGS)
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue
    flags.add(name)
    if (def.type === 'boolean') flags.add(`no-${name}`)
    for (const alias of [def.alias ?? []].flat()) flags.add(alias)
  }
  const subCommands = Object.keys((await resolveValue(command.subCommands ?? {})) ?? {})
  return { flags, subCommands: new Set(subCommands) }
}

/** `byok`'s command tree from `createMainCommand`: '' is the bare `byok`, then one entry per subcommand. */
export async function loadCommandTree(): Promise<Map<string, CommandInfo>> {
  const io = {
    env: {},
    cwd: REPO_ROOT,
    out: () => {},
    err: () => {},
    waitForShutdown: () => new Promise<string>(() => {}),
  }
  const { createMainCommand } = await importUntyped(new URL('../../cli/src/main.ts', import.meta.url))
  const main = (createMainCommand as (io: unknown) => CittyCommand)(io)
  const tree = new Map<string, CommandInfo>([['', await describeCommand(main)]])
  for (const [name, sub] of Object.entries((await resolveValue(main.subCommands ?? {})) ?? {})) {
    tree.set(name, await describeCommand(await resolveValue(sub)))
  }
  return tree
}

export interface McpTruth {
  /** Tool name → its input property names. */
  readonly tools: ReadonlyMap<string, ReadonlySet<string>>
  /** Every input and output property name of every tool. */
  readonly fields: ReadonlySet<string>
  readonly prompts: ReadonlySet<string>
}

/**
 * The tools a real MCP client sees from `createServer`, with the CLI-injected capabilities (scaffold, integrate)
 * given as stubs so their tools are registered too. A tool that needs another injected option to appear must get
 * its stub here.
 */
export async function loadMcpTruth(): Promise<McpTruth> {
  const stub = async () => {
    throw new Error('stub')
  }
  const { createServer } = await importUntyped(new URL('../../mcp/src/index.ts', import.meta.url))
  const server = (createServer as (options: unknown) => { connect(t: unknown): Promise<void> })({
    relayUrl: 'http://127.0.0.1:9',
    env: {},
    scaffold: stub,
    integrate: stub,
    root: REPO_ROOT,
  })
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
  await server.connect(serverTransport)
  const client = new Client({ name: 'byok-skill-sync', version: '0' })
  await client.connect(clientTransport)
  try {
    const { tools } = await client.listTools()
    const { prompts } = await client.listPrompts()
    const fields = new Set<string>()
    const byTool = new Map<string, ReadonlySet<string>>()
    for (const tool of tools) {
      const input = Object.keys(tool.inputSchema.properties ?? {})
      byTool.set(tool.name, new Set(input))
      for (const name of [...input, ...Object.keys(tool.outputSchema?.properties ?? {})]) fields.add(name)
    }
    return { tools: byTool, fields, prompts: new Set(prompts.map((p) => p.name)) }
  } finally {
    await client.close()
  }
}

function walkTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name))
}

function matchesIn(dirs: string[], pattern: RegExp): Set<string> {
  const found = new Set<string>()
  for (const dir of dirs) {
    for (const file of walkTs(join(REPO_ROOT, dir))) {
      for (const m of readFileSync(file, 'utf8').matchAll(pattern)) found.add(m[1]!)
    }
  }
  return found
}

/** Error codes: the relay's wire catalogue plus every `code: '…'` a CliError is thrown with in cli/src. */
export function loadErrorCodes(): { relay: ReadonlySet<string>; cli: ReadonlySet<string> } {
  return {
    relay: new Set(Object.keys(ERRORS)),
    cli: matchesIn(['cli/src'], /\bcode: '([a-z][a-z0-9_]*)'/g),
  }
}

export interface EnvTruth {
  /** Names the relay, the CLI, the MCP server or the templates read. */
  readonly known: ReadonlySet<string>
  /** A provider-key variable in the user's own project (what the codemod reports as leaked). */
  readonly isProviderKeyName: (name: string) => boolean
}

export function loadEnvTruth(): EnvTruth {
  const known = new Set<string>([
    ...CONFIG_VARIABLES,
    ...PROVIDER_IDS.map(baseUrlVariable),
    // Read through `env.X` / `env['X']` by the CLI and the MCP server (RELAY_URL, BYOK_RELAY_TOKEN, …).
    ...matchesIn(['cli/src', 'mcp/src'], /\benv\.([A-Z][A-Z0-9_]*)\b/g),
    ...matchesIn(['cli/src', 'mcp/src'], /\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g),
    // The public variables an app reads the relay URL and app id from.
    ...Object.values(RELAY_URL_ENV).map((e) => e.variable),
  ])
  const registry = JSON.parse(readFileSync(join(REPO_ROOT, 'templates', 'index.json'), 'utf8')) as {
    templates: { env: string; appIdEnv: string }[]
  }
  for (const t of registry.templates) known.add(t.env).add(t.appIdEnv)
  return { known, isProviderKeyName: (name) => KEY_ENV_NAME.test(name) }
}

/** Provider ids and display names, for the description's trigger words. */
export function loadProviders(): { id: string; name: string }[] {
  return PROVIDER_IDS.map((id) => ({ id, name: findProvider(id)?.name ?? id }))
}

export interface RelayProbe {
  /** True when the relay has a route for `method path` (anything but 404 `not_found` / 405). */
  hasRoute(method: string, path: string): Promise<boolean>
  /** Every property name in the relay's OpenAPI document (request and response bodies). */
  readonly wireFields: ReadonlySet<string>
  close(): Promise<void>
}

/** A relay from `buildApp` with every optional route switched on, asked through `inject`. */
export async function startRelayProbe(): Promise<RelayProbe> {
  const config = loadConfig({
    ENCRYPTION_SECRET: 'skill-sync-encryption-secret-0123456789',
    APP_SECRET: 'skill-sync-app-secret',
    METRICS_TOKEN: 'skill-sync-metrics-token',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_GLOBAL_PER_MIN: '0',
    RATE_LIMIT_RELAY_PER_MIN: '0',
    RATE_LIMIT_REGISTER_PER_HOUR: '0',
    MCP_HTTP: 'on',
  })
  const { createMcpRoutes } = await importUntyped(new URL('../../mcp/src/index.ts', import.meta.url))
  const mcpRoutes = (createMcpRoutes as () => AppDeps['mcpRoutes'])()
  const skill = { markdown: readFileSync(join(REPO_ROOT, 'skill', 'SKILL.md'), 'utf8') }
  const app = await buildApp(config, { store: openSqliteStore(':memory:'), mcpRoutes, skill })
  const openapi = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as unknown
  const wireFields = new Set<string>()
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item)
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' && value && typeof value === 'object') {
          for (const name of Object.keys(value)) wireFields.add(name)
        }
        walk(value)
      }
    }
  }
  walk(openapi)
  return {
    wireFields,
    async hasRoute(method, path) {
      const res = await app.inject({ method: method as 'GET', url: path })
      if (res.statusCode === 405) return false
      return !(res.statusCode === 404 && (res.json() as { code?: string }).code === 'not_found')
    },
    close: () => app.close(),
  }
}
