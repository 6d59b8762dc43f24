// Which store a CLI command works on — a SQLite file or Postgres (DATABASE_URL) — and how to name it in output
// without its credentials.
import { resolve } from 'node:path'
import { describePostgresUrl, type Env, withEnvFile } from '@byok/relay'
import { resolveDbPath } from './database-file.js'
import { CliError } from './errors.js'
import type { CliIo } from './io.js'

export type StoreTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }

/**
 * `--db-path` (a SQLite file, asked for by name), else `DATABASE_URL` (Postgres, as the relay would use it), else
 * `DB_PATH` or the default file; variables from the environment, then the env file.
 */
export function resolveStore(io: CliIo, args: { 'db-path'?: string; 'env-file'?: string }): StoreTarget {
  const env = withEnvFile(io.env, resolve(io.cwd, args['env-file'] ?? '.env'))
  const url = env.DATABASE_URL?.trim()
  if (!args['db-path'] && url) return { kind: 'postgres', url }
  return { kind: 'sqlite', path: resolveDbPath(io, args) }
}

/** The store the relay serves from, for the start-up line of `start` and `dev`. */
export function describeStore(env: Env): string {
  const url = env.DATABASE_URL?.trim()
  // As the byok-relay bin names it: `postgres db.internal:5432/byok`, never the user or password.
  return url ? `postgres ${describePostgresUrl(url)}` : env.DB_PATH || './data/relay.db'
}

/** What Postgres's own tools do where `byok backup` / `byok restore` do it for SQLite. */
const POSTGRES_TOOL = {
  backup: 'pg_dump --format=custom --file=relay.dump --dbname="$DATABASE_URL"',
  restore: 'pg_restore --clean --if-exists --dbname="$DATABASE_URL" relay.dump',
} as const

/** The SQLite file `backup` / `restore` work on; a one-line refusal when the relay's store is Postgres. */
export function requireSqliteStore(
  io: CliIo,
  args: { 'db-path'?: string; 'env-file'?: string },
  command: keyof typeof POSTGRES_TOOL,
): string {
  const store = resolveStore(io, args)
  if (store.kind === 'sqlite') return store.path
  throw new CliError(
    `byok ${command} works on a SQLite database; DATABASE_URL points to Postgres (${describePostgresUrl(store.url)})`,
    {
      code: 'store_is_postgres',
      hint: `Use Postgres's own tools: ${POSTGRES_TOOL[command]} (--db-path names a SQLite file to ${command} instead).`,
    },
  )
}
