import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { openSqliteStore } from '@byok/relay'
import { defineCommand } from 'citty'
import { databaseArgs, fsyncFile, liveReason, percent } from '../database-file.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { requireSqliteStore } from '../store-target.js'

export function createBackupCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'backup',
      description:
        'Write a consistent snapshot of the relay database to <file> while the relay keeps running (SQLite online backup). --force overwrites <file>.',
    },
    args: {
      file: {
        type: 'positional',
        required: true,
        description: 'Where to write the snapshot',
        valueHint: 'file',
      },
      ...databaseArgs,
    },
    async run({ args }) {
      const dbPath = requireSqliteStore(io, args, 'backup')
      const target = resolve(io.cwd, args.file)
      if (!existsSync(dbPath)) {
        throw new CliError(`no database at ${dbPath}`, {
          code: 'db_missing',
          hint: 'Pass --db-path or set DB_PATH to the relay database.',
        })
      }
      if (target === dbPath) throw new CliError('the backup file cannot be the database itself')
      if (existsSync(target) && !args.force) {
        throw new CliError(`${target} already exists`, {
          code: 'backup_exists',
          hint: 'Choose another file, or pass --force to overwrite it.',
        })
      }

      mkdirSync(dirname(target), { recursive: true, mode: 0o700 })
      // Written beside the target and renamed into place: a failed backup never leaves a partial file there.
      const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
      io.err(`byok: backing up ${dbPath} → ${target}`)
      const wasLive = liveReason(dbPath) !== undefined
      let store: ReturnType<typeof openSqliteStore>
      try {
        store = openSqliteStore(dbPath, { readOnly: true })
      } catch (error) {
        throw new CliError(`cannot open ${dbPath}: ${(error as Error).message}`, { cause: error })
      }
      try {
        // The snapshot holds sealed keys and token digests: created owner-only before SQLite writes a byte into
        // it (SQLite keeps an existing file's mode, and its journal takes the same mode).
        rmSync(temp, { force: true })
        closeSync(openSync(temp, 'wx', 0o600))
        let shown = -1
        await store.backup(temp, (fraction) => {
          const step = Math.floor(fraction * 10)
          if (step > shown) {
            shown = step
            io.err(`byok: backup ${percent(fraction)}`)
          }
        })
        fsyncFile(temp)
        renameSync(temp, target)
      } catch (error) {
        rmSync(temp, { force: true })
        throw new CliError(`backup failed: ${(error as Error).message}`, { cause: error })
      } finally {
        await store.close()
        // A read-only connection cannot remove the -wal/-shm files it had to create on a stopped database; left
        // behind, they would make the database look live to `byok restore`. An empty -wal holds nothing.
        const wal = `${dbPath}-wal`
        if (!wasLive && existsSync(wal) && statSync(wal).size === 0) {
          for (const suffix of ['-wal', '-shm']) rmSync(dbPath + suffix, { force: true })
        }
      }
      io.out(`backup written: ${target} (${statSync(target).size} bytes)`)
    },
  })
}
