import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  hkdfSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto'

// AES-256-GCM with a 96-bit random nonce per row (NIST SP 800-38D §8.2.2). Stored layout: nonce ‖ tag ‖ ciphertext.
const NONCE_BYTES = 12
const TAG_BYTES = 16
const SALT = 'byok-relay/v1'

/** Thrown when a sealed value cannot be opened: wrong row, wrong secret, tampered bytes. Never carries key material. */
export class UnsealError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnsealError'
  }
}

export interface Sealed {
  /** Identifies which secret sealed the row, so the secret can be rotated. */
  readonly keyVersion: string
  readonly bytes: Buffer
}

export interface Keyring {
  /** The version new rows are sealed with. */
  readonly currentVersion: string
  readonly versions: readonly string[]
  seal(plaintext: string, aad: string): Sealed
  open(sealed: Sealed, aad: string): string
}

interface DerivedKey {
  readonly version: string
  /** Imported once: each cipher then skips converting raw key bytes. */
  readonly key: KeyObject
}

/** Derive the data key once per secret (HKDF-SHA256), never per request. */
function deriveKey(secret: string): DerivedKey {
  const key = Buffer.from(hkdfSync('sha256', secret, SALT, 'key-encryption', 32))
  // The version id is a fingerprint of a separate derivation: it identifies the secret without revealing it.
  const fingerprint = Buffer.from(hkdfSync('sha256', secret, SALT, 'key-version', 32))
  const version = `k1-${createHash('sha256').update(fingerprint).digest('hex').slice(0, 12)}`
  return { version, key: createSecretKey(key) }
}

/**
 * Build the keyring from the current secret and, during a rotation, the previous one.
 *
 * @example
 * const ring = createKeyring('x'.repeat(32))
 * const sealed = ring.seal('sk-…', 'user:u1|provider:openai')
 */
export function createKeyring(secret: string, previous?: string): Keyring {
  const current = deriveKey(secret)
  const byVersion = new Map<string, KeyObject>([[current.version, current.key]])
  if (previous !== undefined) {
    const old = deriveKey(previous)
    if (!byVersion.has(old.version)) byVersion.set(old.version, old.key)
  }

  return {
    currentVersion: current.version,
    versions: [...byVersion.keys()],
    seal(plaintext, aad) {
      const nonce = randomBytes(NONCE_BYTES)
      const cipher = createCipheriv('aes-256-gcm', current.key, nonce, { authTagLength: TAG_BYTES })
      cipher.setAAD(Buffer.from(aad, 'utf8'))
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
      return { keyVersion: current.version, bytes: Buffer.concat([nonce, cipher.getAuthTag(), ciphertext]) }
    },
    open(sealed, aad) {
      const key = byVersion.get(sealed.keyVersion)
      if (!key)
        throw new UnsealError(`sealed with key version ${sealed.keyVersion}, which this relay does not hold`)
      if (sealed.bytes.length < NONCE_BYTES + TAG_BYTES) throw new UnsealError('sealed value is truncated')
      const nonce = sealed.bytes.subarray(0, NONCE_BYTES)
      const tag = sealed.bytes.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES)
      const ciphertext = sealed.bytes.subarray(NONCE_BYTES + TAG_BYTES)
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
        decipher.setAAD(Buffer.from(aad, 'utf8'))
        decipher.setAuthTag(tag)
        // GCM is a stream mode: update() returns all of the plaintext, final() only checks the tag.
        const plaintext = decipher.update(ciphertext)
        decipher.final()
        return plaintext.toString('utf8')
      } catch {
        // GCM authentication failed: another row's ciphertext, a different secret, or tampering.
        throw new UnsealError('sealed value failed authentication')
      }
    },
  }
}

/** Additional authenticated data: binds a ciphertext to its user and provider (SPEC §3.8). */
export function keyAad(userId: string, provider: string): string {
  return `byok/key/v1|user:${userId}|provider:${provider}`
}
