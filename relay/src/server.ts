import { existsSync, readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { parseEnv } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { type AppDeps, buildApp } from './app.js'
import type { Env, RelayConfig } from './config.js'

export interface RunningRelay {
  readonly app: FastifyInstance
  /** e.g. `http://127.0.0.1:3000` — the address actually bound (useful with PORT=0). */
  readonly url: string
  /** Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
  close(graceMs?: number): Promise<void>
}

/**
 * `.env` values under the real environment: a variable set in the environment wins (SPEC §3.7).
 *
 * @example
 * const env = withEnvFile(process.env, '.env')
 */
export function withEnvFile(env: Env, path: string): Env {
  if (!existsSync(path)) return env
  return { ...parseEnv(readFileSync(path, 'utf8')), ...env }
}

/** Build the app and listen on `config.server`. */
export async function startRelay(config: RelayConfig, deps: AppDeps = {}): Promise<RunningRelay> {
  const app = await buildApp(config, deps)
  try {
    await app.listen({ host: config.server.host, port: config.server.port })
  } catch (error) {
    await app.close()
    throw error
  }
  const address = app.server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    app,
    url: `http://${host}:${address.port}`,
    async close(graceMs = 10_000) {
      const timer = setTimeout(() => app.server.closeAllConnections(), graceMs)
      timer.unref()
      // server.close() drops only the connections idle at that moment; a keep-alive connection whose stream
      // ends later would hold the process until the grace timer. Drop those as soon as they fall idle.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100)
      sweeper.unref()
      try {
        await app.close()
      } finally {
        clearTimeout(timer)
        clearInterval(sweeper)
      }
    },
  }
}
