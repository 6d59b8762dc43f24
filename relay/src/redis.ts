/**
 * The relay's connection to Redis (`REDIS_URL`), shared by the rate limiters and cache invalidation: one
 * connection for commands, one for pub/sub (a subscribed connection cannot send other commands).
 *
 * Redis is an accelerator for several instances, never a gate: while it is unreachable the limiters count per
 * instance and the read caches fall back to their TTL. One warning marks the start of an outage and one info
 * line its end; requests never wait on a Redis that does not answer (no offline queue, a command timeout).
 */
// Type-only: the driver (~25 MB of RSS) is loaded when REDIS_URL is set, not by every relay.
import type { Redis } from 'ioredis'
import { ConfigError } from './errors.js'

/** What the link writes to the relay log (pino's signature). */
interface RedisLog {
  warn(fields: object, message: string): void
  info(message: string): void
}

export interface RedisLink {
  /** For commands (rate-limit counters, publish). */
  readonly commands: Redis
  /** For SUBSCRIBE only. */
  readonly subscriber: Redis
  /** Both connections are ready: shared counting and invalidation work. */
  isUp(): boolean
  /** A command failed although the connection looked ready (e.g. a timeout): start an outage now. */
  reportFailure(error: unknown): void
  /** Called after an outage ends (messages published meanwhile were lost: drop what they would have dropped). */
  onRecovered(listener: () => void): void
  /** A round trip, for `/health?deep=1`. */
  ping(): Promise<void>
  close(): Promise<void>
}

/** How long start-up waits for Redis before refusing to start. */
const CONNECT_TIMEOUT_MS = 5_000
/** A command slower than this counts as an outage: the request falls back rather than waiting. */
const COMMAND_TIMEOUT_MS = 500

/** `redis://user:pw@host:6379/0` → `host:6379`: the URL may hold a password. */
function redisAddress(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname}:${parsed.port || '6379'}`
  } catch {
    return 'the configured address'
  }
}

function open(RedisClient: typeof Redis, url: string): Redis {
  return new RedisClient(url, {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    // While disconnected, commands fail at once instead of queueing behind the outage.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting for as long as the relay runs, at most every 2 s.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  })
}

/**
 * Connect both connections, or throw a `ConfigError` naming REDIS_URL (the relay must not start without the
 * shared limits it was configured for).
 */
export async function connectRedis(url: string, log: RedisLog): Promise<RedisLink> {
  const { Redis: RedisClient } = await import('ioredis')
  const commands = open(RedisClient, url)
  const subscriber = open(RedisClient, url)
  const connections = [commands, subscriber]
  // Down until both connections are ready; outage warnings start only after a successful start.
  let up = false
  let firstError: unknown
  const recoveredListeners: (() => void)[] = []
  for (const connection of connections) {
    connection.on('error', (error: unknown) => {
      firstError ??= error
      markDown(error)
    })
  }
  try {
    await Promise.all(connections.map((c) => c.connect()))
  } catch (error) {
    for (const c of connections) c.disconnect()
    const reason = (firstError ?? error) as NodeJS.ErrnoException
    throw new ConfigError(
      'REDIS_URL',
      `is set, but Redis at ${redisAddress(url)} is unreachable (${reason.code ?? reason.message}); start Redis or unset REDIS_URL`,
    )
  }

  up = true
  // A command can fail on a connection that stays open (a timeout while Redis is stalled): no 'ready' event will
  // follow, so while down a PING every second checks for the way back.
  let probe: NodeJS.Timeout | undefined

  function markDown(error: unknown): void {
    if (!up) return
    up = false
    probe ??= setInterval(() => {
      if (connections.every((c) => c.status === 'ready')) commands.ping().then(checkRecovered, () => {})
    }, 1_000).unref()
    const reason = error as NodeJS.ErrnoException | undefined
    log.warn(
      { redis: redisAddress(url), reason: reason?.code ?? reason?.message ?? 'connection closed' },
      'Redis unreachable: rate limits now count per instance and cache invalidation waits for the 5 s TTL until it is back',
    )
  }
  function checkRecovered(): void {
    if (up || !connections.every((c) => c.status === 'ready')) return
    up = true
    clearInterval(probe)
    probe = undefined
    log.info('Redis reachable again: rate limits and cache invalidation are shared across instances again')
    for (const listener of recoveredListeners) listener()
  }
  for (const connection of connections) {
    connection.on('close', () => markDown(undefined))
    connection.on('ready', checkRecovered)
  }

  return {
    commands,
    subscriber,
    isUp: () => up && connections.every((c) => c.status === 'ready'),
    reportFailure: markDown,
    onRecovered: (listener) => {
      recoveredListeners.push(listener)
    },
    async ping() {
      await commands.ping()
    },
    async close() {
      up = false
      clearInterval(probe)
      await Promise.allSettled(connections.map((c) => c.quit()))
      for (const c of connections) c.disconnect()
    },
  }
}
