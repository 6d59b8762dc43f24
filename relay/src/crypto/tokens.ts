import { createHmac, createSecretKey, randomBytes } from 'node:crypto'

/**
 * Relay tokens: 256 random bits behind a recognisable prefix, so secret scanners can find leaked ones.
 * Only an HMAC-SHA256 digest is stored; the token itself exists only in the client.
 */
export const TOKEN_PREFIX = 'byok_rt_'

const TOKEN_SHAPE = /^byok_rt_[A-Za-z0-9_-]{43}$/

export interface TokenHasher {
  hash(token: string): Buffer
}

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url')
}

/** Cheap shape check before touching the store. */
export function looksLikeToken(value: string): boolean {
  return TOKEN_SHAPE.test(value)
}

export function createTokenHasher(secret: string): TokenHasher {
  // The HMAC key is fixed per process: imported once as a KeyObject, not converted from the string per call.
  const key = createSecretKey(Buffer.from(secret, 'utf8'))
  return { hash: (token) => createHmac('sha256', key).update(token, 'utf8').digest() }
}
