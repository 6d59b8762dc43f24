import { resolve } from 'node:path'
import {
  connectStdio,
  createServer,
  type IntegrateFunction,
  MCP_CLIENTS,
  type McpClientName,
  type RelaySource,
  renderClientConfig,
  type ScaffoldFunction,
} from '@byok/mcp'
import { ConfigError, type Env, loadConfig, startRelay, withEnvFile } from '@byok/relay'
import { defineCommand } from 'citty'
import { DEV_HOST, DEV_PORT, devRelayEnv, resolveDevDataDir } from '../dev-secrets.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { localUrl, probeRelay } from '../run-relay.js'
import { loadTemplateRegistry, resolveTemplatesDir } from '../scaffold/registry.js'
import { loadServedSkill, resolveGuidesDir } from '../served-skill.js'

interface McpRelay {
  readonly url: string
  readonly source: RelaySource
  close(): Promise<void>
}

/**
 * `byok mcp`: the MCP server on stdio. Its relay is RELAY_URL, else the local dev relay (`byok dev`'s address and
 * data dir): reused when a byok relay already answers there, otherwise started here and stopped on exit.
 * stdout is the MCP channel, so everything else (relay logs included) goes to stderr.
 */
export function createMcpCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'mcp',
      description:
        'Run the byok MCP server on stdio for coding agents. Uses RELAY_URL, else the local dev relay on ' +
        '127.0.0.1:3000 (the one `byok dev` runs, same data dir): reused when running, otherwise started and stopped on exit.',
    },
    args: {
      'print-config': {
        type: 'string',
        description: `Print the registration snippet for an MCP client: ${MCP_CLIENTS.join(' | ')}`,
        valueHint: 'client',
      },
      'env-file': {
        type: 'string',
        description: 'Read variables from this file first',
        default: '.env',
        valueHint: 'file',
      },
      port: {
        type: 'string',
        description: `Port of the local dev relay (env PORT, default ${DEV_PORT}); ignored with RELAY_URL`,
        valueHint: 'n',
      },
      'data-dir': {
        type: 'string',
        description:
          'Dev relay data dir (env BYOK_DATA_DIR; default $XDG_DATA_HOME/byok or ~/.local/share/byok)',
        valueHint: 'dir',
      },
    },
    async run({ args }) {
      const client = args['print-config']
      if (client !== undefined) {
        if (!(MCP_CLIENTS as readonly string[]).includes(client)) {
          throw new CliError(`unknown MCP client "${client}"`, {
            code: 'mcp_client_unknown',
            hint: `Choose one of: ${MCP_CLIENTS.join(', ')}.`,
          })
        }
        const { where, text } = renderClientConfig(client as McpClientName)
        io.err(`byok: ${where}`)
        io.out(text)
        return
      }
      // Same environment as `byok dev`: .env under the real environment, so <ID>_BASE_URL etc. apply.
      const env = withEnvFile(io.env, resolve(io.cwd, args['env-file']))
      const relay = env.RELAY_URL
        ? configuredRelay(env.RELAY_URL)
        : await useDevRelay(io, env, {
            port: parsePort(args.port ?? env.PORT),
            dataDir: resolveDevDataDir(env, io.cwd, args['data-dir']),
          })
      const server = createServer({
        relayUrl: relay.url,
        token: env.RELAY_TOKEN,
        env,
        relaySource: relay.source,
        appSecret: env.APP_SECRET,
        scaffold: createScaffold(io, env),
        integrate: createIntegrate(io, env),
        root: io.cwd,
        guidesDir: resolveGuidesDir(),
      })
      try {
        const { closed } = await connectStdio(server)
        io.err(`byok: MCP server on stdio; relay ${relay.url} (${relay.source})`)
        await Promise.race([closed, io.waitForShutdown()])
        await server.close()
      } finally {
        await relay.close()
      }
    },
  })
}

function configuredRelay(url: string): McpRelay {
  return { url: url.replace(/\/+$/, ''), source: 'configured', close: async () => {} }
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return DEV_PORT
  const port = Number(value)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new CliError(`invalid port "${value}"`, { code: 'port_invalid', hint: 'Pass --port 1-65535.' })
  }
  return port
}

/**
 * The local dev relay at 127.0.0.1:`port`: a byok relay already answering there is used as it is; a free port
 * gets one started here (the same database and secrets as `byok dev`), closed when this server stops; anything
 * else on the port is an error naming the ways out.
 */
async function useDevRelay(
  io: CliIo,
  env: Env,
  options: { port: number; dataDir: string },
): Promise<McpRelay> {
  const url = localUrl({ host: DEV_HOST, port: options.port })
  const foreign = () =>
    new CliError(`${url} is taken by something that is not a byok relay`, {
      code: 'relay_port_taken',
      hint: `Stop it, or use another port for the dev relay (byok mcp --port <n>, and byok dev --port <n>), or set RELAY_URL to a byok relay.`,
    })
  const found = await probeRelay(url)
  if (found === 'byok') return { url, source: 'running', close: async () => {} }
  if (found === 'foreign') throw foreign()
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig(
      {
        ...devRelayEnv(env, options.dataDir, io.cwd, (line) => io.err(line)),
        HOST: DEV_HOST,
        PORT: String(options.port),
        LOG_LEVEL: env.LOG_LEVEL || 'warn',
        // A .env shared with `byok start` may turn /mcp on; this relay serves the stdio server and the apps.
        MCP_HTTP: undefined,
      },
      { mode: 'dev' },
    )
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`cannot start the dev relay: ${error.message}`, {
        code: 'config_invalid',
        cause: error,
      })
    }
    throw error
  }
  try {
    const relay = await startRelay(config, {
      logSink: { write: (line) => io.err(line.trimEnd()) },
      skill: loadServedSkill(),
    })
    return { url, source: 'started', close: () => relay.close(1_000) }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    // Another byok process started the relay between the probe and the listen: use it.
    if ((await probeRelay(url)) === 'byok') return { url, source: 'running', close: async () => {} }
    throw foreign()
  }
}

/**
 * `byok create`'s steps as the scaffold_project tool (the tool has already kept `dir` inside the server's
 * directory). A directory holding an app is not scaffolded: the answer names it for integrate_project.
 */
function createScaffold(io: CliIo, env: Env): ScaffoldFunction {
  return async ({ template, dir, relayUrl, appId, install }) => {
    // Finding an existing app runs the codemod's scan: loaded on the first call, not when the server starts.
    const { findExistingProject } = await import('../scaffold/existing.js')
    const { scaffoldProject } = await import('../scaffold/scaffold-project.js')
    const templatesDir = resolveTemplatesDir(env, io.cwd)
    const existing = findExistingProject(dir, templatesDir)
    if (existing) {
      return {
        existing: true,
        dir,
        framework: existing.framework,
        found: existing.found.map((f) => `${f.file}:${f.line} ${f.provider} ${f.kind}`),
      }
    }
    const result = await scaffoldProject(io, {
      registry: loadTemplateRegistry(templatesDir),
      template,
      source: undefined,
      dir,
      relayUrl,
      appId,
      // An agent never writes over files: a non-empty directory is an error it can act on.
      force: false,
      forceHint: 'Call scaffold_project with a new dir (one that does not exist yet).',
      install,
    })
    return { dir: result.target, template: result.template ?? template, env: result.env, next: result.next }
  }
}

/**
 * The integrate flow (the same as `byok integrate`) as the integrate_project tool, with remedies worded for an
 * agent and the lean agent report. The tool has already checked that `dir` is inside the server's directory.
 */
export function createIntegrate(
  io: CliIo,
  env: Env,
  gitStatus?: (dir: string) => string | undefined,
): IntegrateFunction {
  return async ({ dir, only, apply, force, detail, relayUrl }) => {
    // The codemod (ts-morph, TypeScript) loads on the first call, not when the MCP server starts.
    const { runIntegrateFlow, toAgentReport } = await import('../integrate-flow.js')
    const { readGitStatus } = await import('../codemod/report.js')
    const outcome = await runIntegrateFlow({
      dir,
      templatesDir: resolveTemplatesDir(env, io.cwd),
      surface: 'mcp',
      apply,
      force,
      only,
      relayUrl,
      gitStatus: gitStatus ?? readGitStatus,
    })
    return toAgentReport(outcome, { apply, detail })
  }
}
