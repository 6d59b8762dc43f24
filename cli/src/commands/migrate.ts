import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { copySqliteToPostgres, SchemaTooNewError, StoreUnavailableError, withEnvFile } from '@byok/relay'
import { defineCommand } from 'citty'
import { liveReason, percent, resolveDbPath } from '../database-file.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'

/** `sqlite:./data/relay.db` or a bare path → an absolute path. */
function parseFrom(io: CliIo, from: string): string {
  const path = from.startsWith('sqlite:') ? from.slice('sqlite:'.length) : from
  if (path === '' || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    throw new CliError('--from must be sqlite:<path to the relay database>', {
      code: 'migrate_source_invalid',
    })
  }
  return resolve(io.cwd, path)
}

/** Only the scheme is ever echoed: the rest of a connection string may hold a password. */
function checkTo(to: string): string {
  let url: URL | undefined
  try {
    url = new URL(to)
  } catch {}
  if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname) {
    throw new CliError(
      `--to must be a postgres://user:password@host:port/database URL (got ${url ? `a ${url.protocol}// URL` : 'something that is not a URL'})`,
      { code: 'migrate_target_invalid' },
    )
  }
  return to
}

export function createMigrateCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'migrate',
      description:
        'Copy a SQLite relay database into Postgres (users, tokens, keys still sealed, budgets, request log), then check every row arrived. Safe to re-run: rows already there are skipped.',
    },
    args: {
      from: {
        type: 'string',
        description: 'sqlite:<path> (default sqlite:$DB_PATH, else sqlite:./data/relay.db)',
        valueHint: 'sqlite:path',
      },
      to: {
        type: 'string',
        description: 'postgres://… (default DATABASE_URL from the environment or the env file)',
        valueHint: 'postgres-url',
      },
      'env-file': {
        type: 'string',
        description: 'Read DB_PATH and DATABASE_URL from this file when they are not in the environment',
        default: '.env',
        valueHint: 'file',
      },
    },
    async run({ args }) {
      const env = withEnvFile(io.env, resolve(io.cwd, args['env-file']))
      const source = args.from
        ? parseFrom(io, args.from)
        : resolveDbPath(io, { 'env-file': args['env-file'] })
      const to = args.to || env.DATABASE_URL?.trim()
      if (!to) {
        throw new CliError('no target: pass --to postgres://… or set DATABASE_URL', {
          code: 'migrate_target_invalid',
        })
      }
      const target = checkTo(to)
      if (!existsSync(source)) {
        throw new CliError(`no database at ${source}`, {
          code: 'db_missing',
          hint: 'Pass --from sqlite:<path> with the relay database.',
        })
      }
      const live = liveReason(source)
      if (live) {
        io.err(
          `byok: warning: the relay looks live (${live}); rows it writes after this snapshot are not copied (stop it, or run migrate again before switching)`,
        )
      }
      io.err(`byok: copying ${source} → Postgres`)
      let tables: Awaited<ReturnType<typeof copySqliteToPostgres>>
      try {
        tables = await copySqliteToPostgres(source, target, (table, done, total) => {
          io.err(`byok: ${table} ${done}/${total}${total > 0 ? ` ${percent(done / total)}` : ''}`)
        })
      } catch (error) {
        if (error instanceof SchemaTooNewError) {
          throw new CliError(`refusing to copy: ${error.message}`, {
            code: 'migrate_schema_newer',
            cause: error,
          })
        }
        if (error instanceof StoreUnavailableError) {
          throw new CliError(error.message, { code: 'store_unavailable', cause: error })
        }
        throw new CliError(`copy failed, nothing was written: ${(error as Error).message}`, {
          code: 'migrate_failed',
          cause: error,
        })
      }
      for (const t of tables) {
        io.out(`${t.table}: ${t.source} in SQLite, ${t.copied} copied, ${t.present} present in Postgres`)
      }
      const missing = tables.filter((t) => t.present !== t.source)
      if (missing.length > 0) {
        throw new CliError(
          `verification failed: ${missing.map((t) => `${t.table} (${t.present} of ${t.source})`).join(', ')} not found in Postgres`,
          {
            code: 'migrate_verify_failed',
            hint: 'Postgres already holds other rows with the same unique values (tokens, ids); copy into an empty database.',
          },
        )
      }
      const copied = tables.reduce((sum, t) => sum + t.copied, 0)
      io.out(
        copied === 0
          ? 'nothing new to copy: every row is already in Postgres'
          : `copied ${copied} rows; every row of the SQLite database is in Postgres`,
      )
    },
  })
}
