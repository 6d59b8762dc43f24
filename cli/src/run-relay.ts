import cluster from 'node:cluster'
import { once } from 'node:events'
import { resolve } from 'node:path'
import {
  ConfigError,
  type Env,
  loadConfig,
  RELAY_VERSION,
  type RelayConfig,
  type RelayMode,
  StoreUnavailableError,
  startRelay,
  withEnvFile,
} from '@byok/relay'
import { CliError } from './errors.js'
import type { CliIo } from './io.js'
import { loadServedSkill } from './served-skill.js'

export const SHUTDOWN_GRACE_MS = 10_000

/** Flags shared by `start` and `dev`; a flag beats the environment, which beats the default. */
export const relayArgs = {
  port: {
    type: 'string',
    description: 'Port to listen on (env PORT, default 3000; 0 picks a free port)',
    valueHint: 'n',
  },
  host: { type: 'string', description: 'Interface to bind (env HOST)', valueHint: 'addr' },
  'db-path': {
    type: 'string',
    description: 'SQLite file (env DB_PATH; default ./data/relay.db for start, the data dir for dev)',
    valueHint: 'file',
  },
  'env-file': {
    type: 'string',
    description: 'Read variables from this file first',
    default: '.env',
    valueHint: 'file',
  },
} as const

/** The environment `start` and `dev` serve with: `--env-file` under the real environment, then the flags on top. */
export function resolveRelayEnv(
  io: CliIo,
  args: { 'env-file': string; port?: string; host?: string; 'db-path'?: string },
): Env {
  return applyFlags(withEnvFile(io.env, resolve(io.cwd, args['env-file'])), {
    port: args.port,
    host: args.host,
    dbPath: args['db-path'],
  })
}

function applyFlags(env: Env, flags: { port?: string; host?: string; dbPath?: string }): Env {
  return {
    ...env,
    ...(flags.port !== undefined ? { PORT: flags.port } : {}),
    ...(flags.host !== undefined ? { HOST: flags.host } : {}),
    ...(flags.dbPath !== undefined ? { DB_PATH: flags.dbPath } : {}),
  }
}

/** In a worker of `byok start --workers`, shutdown also comes from the primary going away (crashed or killed). */
function workerShutdown(io: CliIo): Promise<string> {
  const worker = cluster.worker
  if (!worker) return io.waitForShutdown()
  return Promise.race([io.waitForShutdown(), once(worker, 'disconnect').then(() => 'primary exit')])
}

/** `loadConfig`, with a bad variable as the CLI's one-line `invalid configuration` error. */
export function loadRelayConfig(env: Env, mode: RelayMode): RelayConfig {
  try {
    return loadConfig(env, { mode })
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`invalid configuration: ${error.message}`, { code: 'config_invalid', cause: error })
    }
    throw error
  }
}

/** A relay start-up error the CLI reports as one line (bad configuration, store unreachable), else undefined. */
export function startFailure(error: unknown): CliError | undefined {
  if (error instanceof ConfigError) {
    return new CliError(`cannot start: ${error.message}`, { code: 'config_invalid', cause: error })
  }
  if (error instanceof StoreUnavailableError) {
    return new CliError(`cannot start: ${error.message}`, { code: 'store_unavailable', cause: error })
  }
  return undefined
}

/**
 * Start the relay, print one line saying where and how it runs, and serve until SIGTERM/SIGINT, then close
 * gracefully (open requests get SHUTDOWN_GRACE_MS to finish). A worker of `--workers` (`asWorker`) prints
 * nothing on success: its primary speaks for all of them.
 */
export async function serveRelay(
  io: CliIo,
  env: Env,
  mode: RelayMode,
  detail: string,
  options: { asWorker?: boolean } = {},
): Promise<void> {
  const config = loadRelayConfig(env, mode)
  let relay: Awaited<ReturnType<typeof startRelay>>
  try {
    // The MCP server's modules weigh ~50 MB of RSS: loaded only when /mcp is served.
    const mcpRoutes = config.mcp.http
      ? (await import('./relay-mcp-routes.js')).createRelayMcpRoutes()
      : undefined
    relay = await startRelay(config, { ...(mcpRoutes ? { mcpRoutes } : {}), skill: loadServedSkill() })
  } catch (error) {
    const failure = startFailure(error)
    if (failure) throw failure
    const code = (error as NodeJS.ErrnoException | undefined)?.code
    if (code === 'EADDRINUSE' && (await probeRelay(localUrl(config.server))) === 'byok') {
      throw new CliError(`a byok relay is already running at ${localUrl(config.server)}`, {
        code: 'relay_already_running',
        hint: 'Use that one (`byok mcp` and your apps share it), or stop it first; --port picks another port.',
        cause: error,
      })
    }
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new CliError(`cannot listen on ${config.server.host}:${config.server.port} (${code})`, {
        code: 'listen_failed',
        hint: 'Pick another port with --port or PORT.',
        cause: error,
      })
    }
    throw error
  }
  if (options.asWorker) {
    await workerShutdown(io)
    await relay.close(SHUTDOWN_GRACE_MS)
    return
  }
  io.out(`byok relay ${RELAY_VERSION} listening on ${relay.url} (${mode} mode; ${detail})`)
  if (config.mcp.http)
    io.out(`byok: MCP (Streamable HTTP) at ${relay.url}/mcp for Authorization: Bearer <relay token>`)
  if (mode === 'production' && config.cors.origins === '*') {
    io.err(
      'byok: warning: ALLOWED_ORIGINS is unset, so any web origin may call this relay; set it to your app origins',
    )
  }
  const signal = await io.waitForShutdown()
  io.err(`byok: ${signal} received, closing (open requests get up to ${SHUTDOWN_GRACE_MS / 1000}s)`)
  await relay.close(SHUTDOWN_GRACE_MS)
  io.err('byok: stopped')
}

/** What answers at a relay URL: a byok relay (its `GET /version` names it), something else, or nothing. */
export type RelayProbe = 'byok' | 'foreign' | 'none'

export async function probeRelay(url: string, timeoutMs = 2_000): Promise<RelayProbe> {
  let response: Response
  try {
    response = await fetch(`${url}/version`, { signal: AbortSignal.timeout(timeoutMs) })
  } catch (error) {
    // Refused: nothing listens. A timeout means something holds the port without answering like a relay.
    return (error as Error).name === 'TimeoutError' ? 'foreign' : 'none'
  }
  try {
    const body = (await response.json()) as { name?: unknown }
    return response.ok && body.name === 'byok-relay' ? 'byok' : 'foreign'
  } catch {
    return 'foreign'
  }
}

/** The loopback URL a local client reaches a relay bound to `host:port` at. */
export function localUrl(server: { host: string; port: number }): string {
  const host = server.host === '0.0.0.0' || server.host === '' ? '127.0.0.1' : server.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`
}
