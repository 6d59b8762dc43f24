// `byok start --workers N`: one relay per core behind node:cluster (the primary accepts connections and hands them
// to the workers). The primary migrates the database once, forks, restarts a worker that dies, and on SIGTERM
// stops every worker gracefully before it exits.
import cluster, { type Worker } from 'node:cluster'
import { once } from 'node:events'
import { availableParallelism } from 'node:os'
import { type Env, openPostgresStore, openSqliteStore, RELAY_VERSION, type RelayConfig } from '@byok/relay'
import { CliError } from './errors.js'
import type { CliIo } from './io.js'
import { loadRelayConfig, localUrl, SHUTDOWN_GRACE_MS, startFailure } from './run-relay.js'

/** A worker that dies this often within RESTART_WINDOW_MS is crash-looping: stop instead of restarting it. */
const MAX_RESTARTS = 5
const RESTART_WINDOW_MS = 60_000
/** Workers get the shutdown grace plus this to exit before they are killed. */
const KILL_MARGIN_MS = 5_000

/** `--workers`: a whole number from 1 to 256, or `auto` (one per core). */
export function parseWorkers(value: string | undefined): number {
  const raw = (value ?? '1').trim()
  if (raw === 'auto') return availableParallelism()
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || n > 256) {
    throw new CliError(`--workers must be a whole number from 1 to 256, or auto (got "${raw}")`, {
      code: 'invalid_argument',
    })
  }
  return n
}

/** Whether this process is a worker (then it serves like a single relay, without its own start-up line). */
export const isWorker = cluster.isWorker

/** What must hold before several processes serve one configuration. */
function checkSharedState(config: RelayConfig, count: number): void {
  if (config.redis.url === undefined) {
    throw new CliError(`--workers ${count} needs REDIS_URL`, {
      code: 'workers_need_redis',
      hint:
        `Without Redis each worker counts rate limits on its own (every limit ${count}× looser) and a revoked token ` +
        'keeps working on the other workers for up to 5 s. Set REDIS_URL, or run one worker.',
    })
  }
  if (config.store.postgresUrl === undefined && config.store.path === ':memory:') {
    throw new CliError('--workers needs a database file (DB_PATH), not :memory:', {
      code: 'invalid_argument',
    })
  }
}

function exitReason(code: number | null, signal: string | null): string {
  return signal ? `signal ${signal}` : `exit code ${code}`
}

/** Fork `count` workers, print one start-up line, keep them running until SIGTERM/SIGINT. */
export async function serveWorkers(io: CliIo, env: Env, count: number, detail: string): Promise<void> {
  const config = loadRelayConfig(env, 'production')
  checkSharedState(config, count)
  // Migrations run here, once, before any worker opens the store (WAL lets the workers share a SQLite file).
  try {
    await (config.store.postgresUrl === undefined
      ? openSqliteStore(config.store.path)
      : await openPostgresStore(config.store.postgresUrl, { maxConnections: 1 })
    ).close()
  } catch (error) {
    throw startFailure(error) ?? error
  }

  // starting: an exit fails the start; serving: an exit is replaced; stopping: exits are expected.
  let phase: 'starting' | 'serving' | 'stopping' = 'starting'
  let crashLoop: (error: CliError) => void = () => {}
  const crashed = new Promise<never>((_, reject) => {
    crashLoop = reject
  })
  crashed.catch(() => {}) // awaited below, once serving
  const exits: number[] = []

  function supervise(worker: Worker): Worker {
    worker.on('exit', (code, signal) => {
      if (phase !== 'serving') return
      const now = Date.now()
      exits.push(now)
      while ((exits[0] ?? now) < now - RESTART_WINDOW_MS) exits.shift()
      if (exits.length > MAX_RESTARTS) {
        crashLoop(
          new CliError(
            `workers keep exiting (${exits.length} within ${RESTART_WINDOW_MS / 1000} s); stopping`,
            {
              code: 'workers_crashing',
            },
          ),
        )
        return
      }
      io.err(`byok: worker ${worker.process.pid} exited (${exitReason(code, signal)}); starting a new one`)
      supervise(cluster.fork())
    })
    return worker
  }

  const workers = Array.from({ length: count }, () => supervise(cluster.fork()))
  try {
    await Promise.all(
      workers.map((worker) =>
        Promise.race([
          once(worker, 'listening'),
          once(worker, 'exit').then(([code, signal]) => {
            throw new CliError(`a worker failed to start (${exitReason(code, signal)}); stopping`, {
              code: 'worker_start_failed',
            })
          }),
        ]),
      ),
    )
  } catch (error) {
    phase = 'stopping'
    await stopAll()
    throw error
  }
  phase = 'serving'

  io.out(
    `byok relay ${RELAY_VERSION} listening on ${localUrl(config.server)} (production mode; ${detail}; ${count} workers)`,
  )
  if (config.cors.origins === '*') {
    io.err(
      'byok: warning: ALLOWED_ORIGINS is unset, so any web origin may call this relay; set it to your app origins',
    )
  }

  try {
    const signal = await Promise.race([io.waitForShutdown(), crashed])
    io.err(
      `byok: ${signal} received, closing ${count} workers (open requests get up to ${SHUTDOWN_GRACE_MS / 1000}s)`,
    )
  } finally {
    phase = 'stopping'
    await stopAll()
  }
  io.err('byok: stopped')
}

/** SIGTERM to every worker (each closes gracefully), SIGKILL to any still running after the grace period. */
async function stopAll(): Promise<void> {
  const running = Object.values(cluster.workers ?? {}).filter(
    (w): w is Worker => w !== undefined && !w.isDead(),
  )
  const exited = running.map((w) => once(w, 'exit'))
  for (const worker of running) worker.process.kill('SIGTERM')
  const timer = setTimeout(() => {
    for (const worker of running) if (!worker.isDead()) worker.process.kill('SIGKILL')
  }, SHUTDOWN_GRACE_MS + KILL_MARGIN_MS)
  await Promise.all(exited)
  clearTimeout(timer)
}
