import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import {
  connectStdio,
  createMcpRoutes,
  createServer,
  type IntegrateFunction,
  MCP_CLIENTS,
  type McpClientName,
  renderClientConfig,
  type ScaffoldFunction,
} from '@byok/mcp'
import { ConfigError, type Env, loadConfig, type RunningRelay, startRelay, withEnvFile } from '@byok/relay'
import { defineCommand } from 'citty'
import { RELAY_URL_ENV } from '../codemod/project.js'
import { readGitStatus, toIntegrationReport } from '../codemod/report.js'
import { applyIntegration, planIntegration } from '../codemod/run.js'
import { TRANSFORMS } from '../codemod/transforms/index.js'
import { ensureDevSecrets } from '../dev-secrets.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { loadTemplateRegistry, resolveTemplatesDir } from '../scaffold/registry.js'
import { scaffoldProject } from '../scaffold/scaffold-project.js'
import { resolveSkillDir } from './skill.js'

/** The skill's reference guides, served as MCP resources (from the repository or the published package's skill/). */
function resolveGuidesDir(): string | undefined {
  try {
    return join(resolveSkillDir({}, '.'), 'references')
  } catch {
    return undefined // no bundled skill: the server simply lists no resources
  }
}

/** The relay's `/mcp` routes for `byok start`/`byok dev` (mounted only when MCP_HTTP=on), with the skill's guides. */
export function createRelayMcpRoutes() {
  return createMcpRoutes({ guidesDir: resolveGuidesDir() })
}

/** `<XDG_CONFIG_HOME or ~/.config>/byok/mcp`: the embedded relay's database and dev secrets live here. */
export function resolveMcpDataDir(env: Env): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(config, 'byok', 'mcp')
}

/**
 * `byok mcp`: the MCP server on stdio. Talks to RELAY_URL, or starts an embedded relay on a free loopback port.
 * stdout is the MCP channel, so everything else (relay logs included) goes to stderr.
 */
export function createMcpCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'mcp',
      description:
        'Run the byok MCP server on stdio for coding agents. Uses RELAY_URL, or starts an embedded local relay when it is unset.',
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
      // Same environment as `byok start`: .env under the real environment, so <ID>_BASE_URL etc. apply.
      const env = withEnvFile(io.env, resolve(io.cwd, args['env-file']))
      const embedded = env.RELAY_URL ? undefined : await startEmbeddedRelay(io, env)
      const relayUrl = env.RELAY_URL || (embedded as RunningRelay).url
      const server = createServer({
        relayUrl,
        token: env.RELAY_TOKEN,
        env,
        embedded: embedded !== undefined,
        appSecret: env.APP_SECRET,
        scaffold: createScaffold(io, env),
        integrate: createIntegrate(io, env),
        root: io.cwd,
        guidesDir: resolveGuidesDir(),
      })
      const { closed } = await connectStdio(server)
      io.err(`byok: MCP server on stdio; relay ${relayUrl}${embedded ? ' (embedded)' : ''}`)
      await Promise.race([closed, io.waitForShutdown()])
      await server.close()
      await embedded?.close(1_000)
    },
  })
}

async function startEmbeddedRelay(io: CliIo, env: Env): Promise<RunningRelay> {
  const dataDir = resolveMcpDataDir(env)
  const dev = ensureDevSecrets(dataDir)
  if (dev.created) io.err(`byok: generated dev secrets in ${dev.path} (keep it: stored keys need it)`)
  try {
    // The embedded relay owns its database, so it always uses the secrets generated beside it.
    const config = loadConfig(
      {
        ...env,
        HOST: '127.0.0.1',
        PORT: '0',
        DB_PATH: join(dataDir, 'relay.db'),
        ENCRYPTION_SECRET: dev.secrets.ENCRYPTION_SECRET,
        ENCRYPTION_SECRET_PREVIOUS: undefined,
        TOKEN_HMAC_SECRET: dev.secrets.TOKEN_HMAC_SECRET,
        LOG_LEVEL: env.LOG_LEVEL || 'warn',
        // A .env shared with `byok start` may turn /mcp on; this loopback relay serves only this stdio server.
        MCP_HTTP: undefined,
      },
      { mode: 'dev' },
    )
    return await startRelay(config, { logSink: { write: (line) => io.err(line.trimEnd()) } })
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`cannot start the embedded relay: ${error.message}`, {
        code: 'config_invalid',
        cause: error,
      })
    }
    throw error
  }
}

/** `byok create`'s steps (shared, see scaffold-project.ts) as the scaffold_project tool; progress goes to stderr. */
function createScaffold(io: CliIo, env: Env): ScaffoldFunction {
  return async ({ template, dir, relayUrl, appId, install }) => {
    const result = await scaffoldProject(io, {
      registry: loadTemplateRegistry(resolveTemplatesDir(env, io.cwd)),
      template,
      source: undefined,
      dir,
      relayUrl,
      appId,
      // An agent must never overwrite files: a non-empty target is an error it can act on.
      force: false,
      install,
    })
    const isLocalRelay = relayUrl.startsWith('http://127.0.0.1') || relayUrl.startsWith('http://localhost')
    return {
      dir: result.target,
      template: result.template ?? template,
      env: result.env,
      next: [
        ...result.next,
        ...(isLocalRelay ? [`(relay, in another terminal) ${result.relayCommand}`] : []),
      ],
    }
  }
}

/**
 * `byok integrate`'s codemod as the integrate_project tool: the same plan and report (`toIntegrationReport`), the
 * same refusal of a dirty git tree, worded for an agent. The tool has already checked that `dir` is inside the
 * server's working directory.
 */
export function createIntegrate(
  io: CliIo,
  env: Env,
  gitStatus: (dir: string) => string | undefined = readGitStatus,
): IntegrateFunction {
  return async ({ dir, only, apply, force, relayUrl }) => {
    const unknown = only?.filter((id) => !TRANSFORMS.some((t) => t.id === id)) ?? []
    if (unknown.length > 0) {
      throw new CliError(`unknown transform: ${unknown.join(', ')}`, {
        code: 'transform_unknown',
        hint: `Pass only ids from: ${TRANSFORMS.map((t) => t.id).join(', ')} (or leave only out to run all).`,
      })
    }
    const plan = planIntegration(dir, { only, templatesDir: resolveTemplatesDir(env, io.cwd) })
    let applied = false
    if (apply && plan.writes.length > 0) {
      if (gitStatus(dir)?.trim() && !force) {
        throw new CliError(`the git tree at ${dir} has uncommitted changes, nothing was written`, {
          code: 'git_dirty',
          hint:
            'Ask the user to commit or stash them first so the codemod’s diff stays reviewable, then call ' +
            'integrate_project again with apply: true; or pass force: true to apply anyway.',
        })
      }
      applyIntegration(plan)
      applied = true
    }
    return {
      report: toIntegrationReport(plan, applied),
      next: [
        // Bundled apps read the relay URL from a public env var; a plain HTML site has it as a page global.
        plan.framework === 'static'
          ? `Set window.BYOK_RELAY_URL = '${relayUrl}' before the page loads lib/byok-instance.js, or edit its fallback.`
          : `Set ${RELAY_URL_ENV[plan.framework].variable}=${relayUrl} in the app's .env (the codemod added it to .env.example).`,
        'Remove provider keys from .env* files and rotate any that were ever shipped.',
        'Review with git diff, then commit.',
      ],
    }
  }
}
