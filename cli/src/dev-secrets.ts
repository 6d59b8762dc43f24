import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CliError } from './errors.js'

export const DEV_SECRETS_FILE = 'dev-secrets.json'

export interface DevSecrets {
  readonly ENCRYPTION_SECRET: string
  readonly TOKEN_HMAC_SECRET: string
}

/**
 * Dev mode's secrets: generated once into `<dataDir>/dev-secrets.json` (mode 0600), then reused so stored keys
 * stay readable across restarts. Losing this file means losing every stored key, which is fine for dev only.
 */
export function ensureDevSecrets(dataDir: string): { secrets: DevSecrets; path: string; created: boolean } {
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
