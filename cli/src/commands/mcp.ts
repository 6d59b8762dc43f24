import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  connectStdio,
  createServer,
  MCP_CLIENTS,
  type McpClientName,
  renderClientConfig,
  type ScaffoldFunction,
} from '@byok/mcp'
import { ConfigError, type Env, loadConfig, type RunningRelay, startRelay, withEnvFile } from '@byok/relay'
import { defineCommand } from 'citty'
import { ensureDevSecrets } from '../dev-secrets.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import {
  detectPackageManager,
  execCommand,
  installDependencies,
  runScriptCommand,
} from '../scaffold/install.js'
import {
  copySharedFiles,
  isEmptyDir,
  renameDotfiles,
  setPackageName,
  toPackageName,
  writeEnvFile,
} from '../scaffold/project.js'
import { loadTemplateRegistry, resolveTemplatesDir } from '../scaffold/registry.js'
import { fetchTemplate } from '../scaffold/source.js'

// The skill's reference guides, served as MCP resources when present (a missing directory means none).
const GUIDES_DIR = fileURLToPath(new URL('../../../skill/references', import.meta.url))

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
        guidesDir: GUIDES_DIR,
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

/** `byok create --json`'s steps as a function for scaffold_project; progress goes to stderr. */
function createScaffold(io: CliIo, env: Env): ScaffoldFunction {
  return async ({ template, dir, relayUrl, appId, install }) => {
    const registry = loadTemplateRegistry(resolveTemplatesDir(env, io.cwd))
    const entry = registry.templates.find((t) => t.name === template)
    if (!entry) {
      throw new CliError(`unknown template "${template}"`, {
        code: 'template_unknown',
        hint: `Choose one of: ${registry.templates.map((t) => t.name).join(', ')}.`,
      })
    }
    const target = resolve(io.cwd, dir)
    if (existsSync(target) && !statSync(target).isDirectory()) {
      throw new CliError(`${dir} exists and is not a directory`, { code: 'target_not_directory' })
    }
    if (!isEmptyDir(target)) {
      throw new CliError(`${dir} is not empty`, { code: 'target_not_empty', hint: 'Pick a new directory.' })
    }
    const name = toPackageName(basename(target))
    await fetchTemplate({ templatesDir: registry.dir, template, source: undefined, target, cwd: io.cwd, env })
    renameDotfiles(target)
    copySharedFiles(registry.dir, registry.shared, target)
    setPackageName(target, name)
    const relayVar = writeEnvFile(target, { relayUrl, appId: appId ?? name })
    const pm = detectPackageManager(env)
    if (install) await installDependencies(io, pm, target)
    const cd = relative(io.cwd, target) || '.'
    return {
      dir: target,
      template: entry.name,
      env: relayVar ? { [relayVar]: relayUrl } : {},
      next: [
        ...(cd === '.' ? [] : [`cd ${/\s/.test(cd) ? JSON.stringify(cd) : cd}`]),
        ...(install ? [] : [`${pm} install`]),
        runScriptCommand(pm, 'dev'),
        ...(relayUrl.startsWith('http://127.0.0.1') || relayUrl.startsWith('http://localhost')
          ? [`(relay, in another terminal) ${execCommand(pm, 'byok dev')}`]
          : []),
      ],
    }
  }
}
