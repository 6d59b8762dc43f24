import type pg from 'pg'
import { MIGRATIONS, SchemaTooNewError } from './migrations.js'

/** Thrown at start-up when a configured Postgres cannot be reached or refuses the login. One line, no secrets. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError'
}

// BIGINT (int8) and NUMERIC (what SUM over BIGINT returns) arrive as strings by default. Every such value here is
// an epoch-millisecond time or a counter, far below 2^53, so numbers are exact.
const NUMERIC_OIDS = new Set([20, 1700])

/** `postgres://user:pw@db.internal:5432/byok` → `db.internal:5432/byok`: for messages, never the credentials. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'the configured server'
  }
}

/**
 * A pool on `url` whose first connection has succeeded; a server that is down or refuses the login is a
 * `StoreUnavailableError` naming host, port and database only.
 */
export async function connectPool(url: string, options: { max?: number } = {}): Promise<pg.Pool> {
  // Loaded on first use: a SQLite relay (and every CLI command) never pays for the driver (~0.1-0.5 s, memory).
  const { default: driver } = await import('pg')
  const types: pg.CustomTypesConfig = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      NUMERIC_OIDS.has(oid)
        ? Number
        : driver.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
  }
  const pool = new driver.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    types,
  })
  // An idle connection dropped by the server (restart, failover) emits here; without a listener Node would exit.
  // The pool discards that client and the next query opens a fresh one.
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    await pool.end().catch(() => {})
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    throw new StoreUnavailableError(
      `cannot reach Postgres at ${describePostgresUrl(url)} (${reason || 'connection failed'}); check DATABASE_URL and that the server is running`,
    )
  }
  return pool
}

// Any constant: every byok relay sharing the database waits on the same lock while one applies the migrations.
const MIGRATION_LOCK = 0x62796f6b

/** The schema version recorded in the database (0 for an empty one). */
async function postgresSchemaVersion(db: pg.Pool | pg.PoolClient): Promise<number> {
  const exists = await db.query<{ t: string | null }>(`SELECT to_regclass('byok_schema_version')::text AS t`)
  if (exists.rows[0]?.t == null) return 0
  const row = await db.query<{ v: number | null }>('SELECT max(version) AS v FROM byok_schema_version')
  return row.rows[0]?.v ?? 0
}

/**
 * Applies every migration above the recorded version, each in its own transaction, under a session advisory
 * lock so that relays starting together apply each migration once. `dryRun` only checks that the schema is not
 * newer than this relay.
 */
export async function migratePostgres(pool: pg.Pool, options: { dryRun?: boolean } = {}): Promise<void> {
  const latest = MIGRATIONS.at(-1)?.version ?? 0
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      const current = await postgresSchemaVersion(client)
      if (current > latest) {
        throw new SchemaTooNewError(
          `database schema version ${current} is newer than this relay understands (${latest}); upgrade byok`,
        )
      }
      if (options.dryRun) return
      await client.query(
        'CREATE TABLE IF NOT EXISTS byok_schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)',
      )
      for (const migration of MIGRATIONS) {
        if (migration.version <= current) continue
        await client.query('BEGIN')
        try {
          await client.query(migration.postgres)
          await client.query('INSERT INTO byok_schema_version (version, applied_at) VALUES ($1, $2)', [
            migration.version,
            Date.now(),
          ])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK')
          throw error
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}

/** Runs `fn` inside one transaction on one pooled connection; rolls back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    const result = await fn(client)
    await client.query('COMMIT')
    return result
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
