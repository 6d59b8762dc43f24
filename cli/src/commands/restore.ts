import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { openSqliteStore } from '@byok/relay'
import { defineCommand } from 'citty'
import { databaseArgs, fsyncFile, liveReason } from '../database-file.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { requireSqliteStore } from '../store-target.js'

/** Opens `path` read-only as a relay store and reads from it: a file that is not a relay database fails here. */
async function checkBackup(path: string): Promise<number> {
  const store = openSqliteStore(path, { readOnly: true })
  try {
    await store.ping()
    return (await store.keyVersions()).length
  } finally {
    await store.close()
  }
}

export function createRestoreCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'restore',
      description:
        'Replace the relay database with a snapshot from `byok backup`. Stop the relay first: a database in use is refused unless --force. The replaced file is kept as <db>.pre-restore-<time>.',
    },
    args: {
      file: { type: 'positional', required: true, description: 'The snapshot to restore', valueHint: 'file' },
      ...databaseArgs,
    },
    async run({ args }) {
      const source = resolve(io.cwd, args.file)
      const dbPath = requireSqliteStore(io, args, 'restore')
      if (!existsSync(source)) throw new CliError(`no backup at ${source}`, { code: 'backup_missing' })
      if (source === dbPath) throw new CliError('the backup file is the database itself')
      const live = liveReason(dbPath)
      if (live !== undefined && !args.force) {
        throw new CliError(`${dbPath} looks in use (${live}); refusing to overwrite a live database`, {
          code: 'db_live',
          hint: 'Stop the relay and retry (if it crashed, start and stop it once), or pass --force.',
        })
      }

      mkdirSync(dirname(dbPath), { recursive: true, mode: 0o700 })
      // Copied and checked beside the database, then renamed over it: the database is the old file or the
      // new one, never a mix.
      const temp = join(dirname(dbPath), `.${basename(dbPath)}.${process.pid}.restore`)
      io.err(`byok: restoring ${source} → ${dbPath}`)
      try {
        copyFileSync(source, temp)
        chmodSync(temp, 0o600)
        io.err('byok: checking the snapshot')
        await checkBackup(temp)
        for (const suffix of ['-wal', '-shm']) rmSync(temp + suffix, { force: true })
        fsyncFile(temp)
      } catch (error) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(temp + suffix, { force: true })
        throw new CliError(`${source} is not a usable relay backup: ${(error as Error).message}`, {
          code: 'backup_invalid',
          cause: error,
        })
      }

      let kept: string | undefined
      if (existsSync(dbPath)) {
        kept = `${dbPath}.pre-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`
        linkSync(dbPath, kept)
      }
      // Stale -wal/-shm files would be replayed onto the restored database by the next open.
      for (const suffix of ['-wal', '-shm']) rmSync(dbPath + suffix, { force: true })
      renameSync(temp, dbPath)
      fsyncFile(dbPath)
      if (live !== undefined) {
        io.err('byok: warning: a running relay keeps using the old file until it is restarted')
      }
      io.out(`restored ${dbPath} from ${source}${kept ? ` (previous database kept as ${kept})` : ''}`)
    },
  })
}
