import Database from 'better-sqlite3'
import { MIGRATIONS, SchemaTooNewError } from './migrations.js'
import { connectPool, inTransaction, migratePostgres } from './postgres-connect.js'

/** What one table's copy did. `present` counts source rows found in Postgres afterwards (by primary key). */
export interface CopiedTable {
  readonly table: string
  readonly source: number
  readonly copied: number
  readonly present: number
}

type PgType = 'text' | 'bigint' | 'int' | 'bytea'

/**
 * Every relay table in foreign-key order, with its columns' Postgres types (for `unnest`) and its primary key.
 * A new migration that adds a table or column must add it here too (the copy test compares against the schema).
 * `connect_codes` (migration 7) is left out on purpose: its rows are one-time codes that expire within 60 s.
 */
const COPIED_TABLES: readonly {
  readonly name: string
  readonly columns: Readonly<Record<string, PgType>>
  readonly key: readonly string[]
}[] = [
  { name: 'users', columns: { id: 'text', app_id: 'text', created_at: 'bigint' }, key: ['id'] },
  {
    name: 'external_users',
    columns: { app_id: 'text', external_user_id: 'text', user_id: 'text', created_at: 'bigint' },
    key: ['app_id', 'external_user_id'],
  },
  {
    name: 'tokens',
    columns: {
      hash: 'bytea',
      id: 'text',
      user_id: 'text',
      created_at: 'bigint',
      expires_at: 'bigint',
      revoked_at: 'bigint',
      scope: 'text',
      parent_id: 'text',
    },
    key: ['hash'],
  },
  {
    name: 'keys',
    columns: {
      user_id: 'text',
      provider: 'text',
      key_version: 'text',
      sealed: 'bytea',
      hint: 'text',
      base_url: 'text',
      created_at: 'bigint',
      updated_at: 'bigint',
    },
    key: ['user_id', 'provider'],
  },
  {
    name: 'budgets',
    columns: {
      id: 'text',
      user_id: 'text',
      provider: 'text',
      period: 'text',
      max_requests: 'bigint',
      max_input_tokens: 'bigint',
      max_output_tokens: 'bigint',
      created_at: 'bigint',
      updated_at: 'bigint',
    },
    key: ['id'],
  },
  {
    name: 'budget_usage',
    columns: {
      budget_id: 'text',
      period_start: 'bigint',
      requests: 'bigint',
      input_tokens: 'bigint',
      output_tokens: 'bigint',
    },
    key: ['budget_id', 'period_start'],
  },
  {
    name: 'app_budget_usage',
    columns: {
      user_id: 'text',
      budget_id: 'text',
      period_start: 'bigint',
      requests: 'bigint',
      input_tokens: 'bigint',
      output_tokens: 'bigint',
    },
    key: ['user_id', 'budget_id', 'period_start'],
  },
  {
    name: 'request_log',
    columns: {
      id: 'bigint',
      at: 'bigint',
      user_id: 'text',
      app_id: 'text',
      provider: 'text',
      model: 'text',
      status: 'int',
      latency_ms: 'bigint',
      input_tokens: 'bigint',
      output_tokens: 'bigint',
    },
    key: ['id'],
  },
]

const BATCH = 1000

/**
 * Copies a SQLite relay database into Postgres as it is: rows keep their ids, and sealed keys their exact bytes
 * (nothing is decrypted; the relay on Postgres needs the same ENCRYPTION_SECRET). Postgres is migrated first and
 * refused when its schema is newer. One Postgres transaction: a failed copy leaves nothing behind. Rows already in
 * Postgres (same primary key) are left alone, so a second run copies nothing new. Request-log ids are kept, so
 * copy before relays start writing their own log to Postgres. The SQLite file is read in one read transaction
 * (a consistent snapshot; in WAL mode a running relay is not blocked).
 *
 * @example
 * const tables = await copySqliteToPostgres('./data/relay.db', 'postgres://byok@db/byok')
 */
export async function copySqliteToPostgres(
  sqlitePath: string,
  postgresUrl: string,
  onProgress: (table: string, done: number, total: number) => void = () => {},
): Promise<CopiedTable[]> {
  const sqlite = new Database(sqlitePath, { readonly: true, fileMustExist: true })
  try {
    const version = sqlite.pragma('user_version', { simple: true }) as number
    const latest = MIGRATIONS.at(-1)?.version ?? 0
    if (version === 0) throw new Error(`${sqlitePath} is not a byok relay database (no schema version)`)
    if (version > latest) {
      throw new SchemaTooNewError(
        `${sqlitePath} has schema version ${version}, newer than this byok understands (${latest}); upgrade byok`,
      )
    }
    if (version < latest) {
      throw new Error(
        `${sqlitePath} has schema version ${version}, older than this byok's (${latest}); start the relay on it once (it migrates at start-up), then copy`,
      )
    }
    const pool = await connectPool(postgresUrl, { max: 1 })
    try {
      await migratePostgres(pool)
      sqlite.exec('BEGIN')
      try {
        return await inTransaction(pool, async (db) => {
          const results: CopiedTable[] = []
          for (const table of COPIED_TABLES) {
            const names = Object.keys(table.columns)
            const types = Object.values(table.columns)
            const unnest = `unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`
            const insert = `INSERT INTO ${table.name} (${names.join(', ')}) SELECT * FROM ${unnest} ON CONFLICT DO NOTHING`
            const keyIndexes = table.key.map((k) => names.indexOf(k))
            const keyUnnest = `unnest(${keyIndexes.map((i, n) => `$${n + 1}::${types[i]}[]`).join(', ')})`
            const present = `SELECT count(*) AS n FROM ${table.name} WHERE (${table.key.join(', ')}) IN (SELECT * FROM ${keyUnnest})`
            const source = (sqlite.prepare(`SELECT count(*) AS n FROM ${table.name}`).get() as { n: number })
              .n
            const result = { table: table.name, source, copied: 0, present: 0 }
            const rows = sqlite
              .prepare(`SELECT ${names.join(', ')} FROM ${table.name} ORDER BY ${table.key.join(', ')}`)
              .raw()
              .iterate() as IterableIterator<unknown[]>
            let batch: unknown[][] = []
            const flush = async () => {
              if (batch.length === 0) return
              const columns = names.map((_, i) => batch.map((row) => row[i]))
              result.copied += (await db.query(insert, columns)).rowCount ?? 0
              const found = await db.query<{ n: number }>(
                present,
                keyIndexes.map((i) => columns[i]),
              )
              result.present += found.rows[0]?.n ?? 0
              onProgress(table.name, result.present, source)
              batch = []
            }
            for (const row of rows) {
              batch.push(row)
              if (batch.length >= BATCH) await flush()
            }
            await flush()
            results.push(result)
          }
          // Copied ids were given explicitly: the identity must continue after them.
          await db.query(
            `SELECT setval(pg_get_serial_sequence('request_log', 'id'), GREATEST((SELECT max(id) FROM request_log), 1))`,
          )
          return results
        })
      } finally {
        sqlite.exec('COMMIT')
      }
    } finally {
      await pool.end()
    }
  } finally {
    sqlite.close()
  }
}
