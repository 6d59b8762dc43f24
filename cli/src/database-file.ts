import { closeSync, existsSync, fsyncSync, openSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { withEnvFile } from '@byok/relay'
import type { CliIo } from './io.js'

/** Flags shared by `byok backup`, `byok restore` and `byok usage`. */
export const databaseArgs = {
  'db-path': {
    type: 'string',
    description:
      'The relay SQLite file (env DB_PATH, default ./data/relay.db); named here, it beats DATABASE_URL',
    valueHint: 'file',
  },
  'env-file': {
    type: 'string',
    description: 'Read DB_PATH and DATABASE_URL from this file when they are not in the environment',
    default: '.env',
    valueHint: 'file',
  },
  force: { type: 'boolean', description: 'See the command description', default: false },
} as const

/** `--db-path`, else DB_PATH from the environment, else from the env file, else the relay's default. */
export function resolveDbPath(io: CliIo, args: { 'db-path'?: string; 'env-file'?: string }): string {
  const env = withEnvFile(io.env, resolve(io.cwd, args['env-file'] ?? '.env'))
  return resolve(io.cwd, args['db-path'] || env.DB_PATH?.trim() || './data/relay.db')
}

/**
 * Why `dbPath` looks in use, or undefined. SQLite in WAL mode keeps `-wal` and `-shm` beside the database while
 * any connection is open and removes them when the last one closes cleanly, so their presence means a running
 * relay (or one that crashed: starting and stopping it once checkpoints and removes them).
 */
export function liveReason(dbPath: string): string | undefined {
  const present = ['-wal', '-shm'].filter((suffix) => existsSync(dbPath + suffix))
  return present.length === 0
    ? undefined
    : `${present.map((s) => `${dbPath}${s}`).join(' and ')} exist${present.length === 1 ? 's' : ''}`
}

/** Flushes a file, then its directory entry, so a rename that follows survives a power loss. */
export function fsyncFile(path: string): void {
  for (const target of [path, dirname(path)]) {
    const fd = openSync(target, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }
}

/** `0.42` → ` 42%`, for progress lines. */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`.padStart(4)
}
