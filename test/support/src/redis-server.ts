// A throwaway redis-server (the Debian package) on a free loopback port, for the tests that need Redis. Where it is
// not installed the tests skip with the command that installs it; in CI (CI or BYOK_REQUIRE_REDIS set) they fail.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, beforeEach } from 'vitest'
import { freePort } from './ports.js'

export const REDIS_INSTALL = 'sudo apt-get install -y redis-server'

const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0
const required = Boolean(process.env.CI || process.env.BYOK_REQUIRE_REDIS)
if (!installed && required) {
  throw new Error(`redis-server is not installed, and CI always runs the Redis tests: ${REDIS_INSTALL}`)
}

/** Why the Redis tests skip here (undefined: they run). Use as `beforeEach((ctx) => ctx.skip(!!missing, missing))`. */
export const redisMissing: string | undefined = installed
  ? undefined
  : `redis-server is not installed; install it to run these tests: ${REDIS_INSTALL}`

export interface RedisServer {
  readonly url: string
  readonly port: number
  /** SIGKILL: an outage as a crash looks. */
  kill(): Promise<void>
  /** Start again on the same port (after `kill`). */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT: a Redis that holds its connections but answers nothing. */
  pause(): void
  resume(): void
  stop(): Promise<void>
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  )
  // Ready once it answers PING (bounded: 100 tries, 50 ms apart).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode} on port ${port}`)
    const ping = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' })
    if (ping.stdout?.trim() === 'PONG') return child
    await new Promise((r) => setTimeout(r, 50))
  }
  child.kill('SIGKILL')
  throw new Error(`redis-server did not answer on port ${port} within 5 s`)
}

async function end(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill(signal)
  await exited
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort()
  let child = await spawnRedis(port)
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill: () => end(child, 'SIGKILL'),
    async restart() {
      child = await spawnRedis(port)
    },
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop: () => end(child, 'SIGTERM'),
  }
}

/**
 * One redis-server for the enclosing suite (started before its tests, stopped after them), and every test in it
 * skipped with the install command where redis-server is missing. Returns the running server.
 */
export function useRedisServer(): () => RedisServer {
  let redis: RedisServer | undefined
  beforeAll(async () => {
    if (!redisMissing) redis = await startRedis()
  })
  afterAll(async () => {
    await redis?.stop()
  })
  beforeEach((ctx) => {
    ctx.skip(redisMissing !== undefined, redisMissing)
  })
  return () => {
    if (!redis) throw new Error('redis-server was not started')
    return redis
  }
}
