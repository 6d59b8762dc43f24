// Relay instances for the scale tests: each its own process (test/reliability's relay child), all sharing one
// store and one Redis. The store is a SQLite file (WAL; the first instance creates and migrates it before the
// others open it) or a `DATABASE_URL`.
import { type RelayChild, startRelayChild } from '../reliability/support.js'

export type SharedStore = { readonly sqlitePath: string } | { readonly databaseUrl: string }

export async function startInstances(
  count: number,
  options: { store: SharedStore; redisUrl: string; env?: Record<string, string> },
): Promise<RelayChild[]> {
  const env = {
    ...('sqlitePath' in options.store
      ? { DB_PATH: options.store.sqlitePath }
      : { DATABASE_URL: options.store.databaseUrl }),
    REDIS_URL: options.redisUrl,
    LOG_LEVEL: 'warn',
    ...options.env,
  }
  const first = await startRelayChild(env)
  const rest = await Promise.all(Array.from({ length: count - 1 }, () => startRelayChild(env)))
  return [first, ...rest]
}
