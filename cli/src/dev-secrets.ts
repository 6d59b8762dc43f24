import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import type { Env } from '@byok/relay'
import { CliError } from './errors.js'

const DEV_SECRETS_FILE = 'dev-secrets.json'

/** The one local dev relay's address: `byok dev` listens here, `byok mcp` uses (or starts) the relay here. */
export const DEV_HOST = '127.0.0.1'
export const DEV_PORT = 3000

/**
 * The per-user directory of the local dev relay's database and secrets, shared by `byok dev` and `byok mcp` so a
 * key stored through one is there for the other: `--data-dir`, else `BYOK_DATA_DIR`, else
 * `$XDG_DATA_HOME/byok`, else `~/.local/share/byok`.
 */
export function resolveDevDataDir(env: Env, cwd: string, flag?: string): string {
  const chosen = flag || env.BYOK_DATA_DIR
  if (chosen) return resolve(cwd, chosen)
  return join(env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share'), 'byok')
}

/**
 * The environment of a dev relay: the database in the data dir (unless DB_PATH names another file), and the
 * secrets from the environment or else generated once beside the database. `byok dev` and `byok mcp` both use it,
 * so either one opens the same store with the same secrets.
 */
export function devRelayEnv(
  env: Env,
  dataDir: string,
  cwd: string,
  log: (line: string) => void,
): Env & { DB_PATH: string } {
  const dbPath = env.DB_PATH ? resolve(cwd, env.DB_PATH) : join(dataDir, 'relay.db')
  const dev = ensureDevSecrets(dirname(dbPath))
  if (dev.created) log(`byok: generated dev secrets in ${dev.path} (keep it: stored keys need it)`)
  return {
    ...env,
    DB_PATH: dbPath,
    ENCRYPTION_SECRET: env.ENCRYPTION_SECRET || dev.secrets.ENCRYPTION_SECRET,
    TOKEN_HMAC_SECRET:
      env.TOKEN_HMAC_SECRET || (env.ENCRYPTION_SECRET ? undefined : dev.secrets.TOKEN_HMAC_SECRET),
  }
}

interface DevSecrets {
  readonly ENCRYPTION_SECRET: string
  readonly TOKEN_HMAC_SECRET: string
}

/**
 * Dev mode's secrets: generated once into `<dataDir>/dev-secrets.json` (mode 0600), then reused so stored keys
 * stay readable across restarts. Losing this file means losing every stored key, which is fine for dev only.
 */
function ensureDevSecrets(dataDir: string): { secrets: DevSecrets; path: string; created: boolean } {
  const path = join(dataDir, DEV_SECRETS_FILE)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  const fresh: DevSecrets = {
    ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
    TOKEN_HMAC_SECRET: randomBytes(32).toString('base64url'),
  }
  try {
    // 'wx' fails if the file exists, so two dev relays started together cannot overwrite each other's secrets.
    writeFileSync(path, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    return { secrets: fresh, path, created: true }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new CliError(`cannot write ${path}`, { code: 'dev_secrets_unwritable', cause: error })
    }
  }
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
  let parsed: Partial<DevSecrets>
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<DevSecrets>
  } catch (error) {
    throw new CliError(`${path} is not valid JSON`, {
      code: 'dev_secrets_corrupt',
      hint: 'Delete it to generate new secrets (keys stored with the old ones become unreadable).',
      cause: error,
    })
  }
  if (typeof parsed.ENCRYPTION_SECRET !== 'string' || typeof parsed.TOKEN_HMAC_SECRET !== 'string') {
    throw new CliError(`${path} is missing ENCRYPTION_SECRET or TOKEN_HMAC_SECRET`, {
      code: 'dev_secrets_corrupt',
      hint: 'Delete it to generate new secrets (keys stored with the old ones become unreadable).',
    })
  }
  return {
    secrets: { ENCRYPTION_SECRET: parsed.ENCRYPTION_SECRET, TOKEN_HMAC_SECRET: parsed.TOKEN_HMAC_SECRET },
    path,
    created: false,
  }
}
