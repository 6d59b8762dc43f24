import { describe, expect, it } from 'vitest'
import { createKeyring, keyAad, type Sealed, UnsealError } from '../src/crypto/envelope.js'
import { createTokenHasher, generateToken, looksLikeToken, TOKEN_PREFIX } from '../src/crypto/tokens.js'
import { OTHER_SECRET, TEST_SECRET } from './helpers.js'

const KEY = 'sk-proj-Abc123Def456Ghi789Jkl012'
const AAD = keyAad('user-1', 'openai')

function flipByte(sealed: Sealed, index: number): Sealed {
  const bytes = Buffer.from(sealed.bytes)
  bytes[index] = (bytes[index] ?? 0) ^ 0x01
  return { keyVersion: sealed.keyVersion, bytes }
}

describe('envelope encryption', () => {
  it('round-trips a key under its AAD', () => {
    const ring = createKeyring(TEST_SECRET)
    const sealed = ring.seal(KEY, AAD)
    expect(sealed.keyVersion).toBe(ring.currentVersion)
    expect(sealed.bytes.includes(Buffer.from(KEY))).toBe(false)
    expect(ring.open(sealed, AAD)).toBe(KEY)
  })

  it('uses a fresh 96-bit nonce per seal', () => {
    const ring = createKeyring(TEST_SECRET)
    const a = ring.seal(KEY, AAD)
    const b = ring.seal(KEY, AAD)
    // nonce (12) ‖ tag (16) ‖ ciphertext (same length as the plaintext)
    expect(a.bytes.length).toBe(12 + 16 + Buffer.byteLength(KEY))
    expect(a.bytes.subarray(0, 12).equals(b.bytes.subarray(0, 12))).toBe(false)
    expect(a.bytes.equals(b.bytes)).toBe(false)
  })

  it.each([
    ['another user', keyAad('user-2', 'openai')],
    ['another provider', keyAad('user-1', 'anthropic')],
  ])('refuses a ciphertext opened as %s', (_label, aad) => {
    const ring = createKeyring(TEST_SECRET)
    const sealed = ring.seal(KEY, AAD)
    expect(() => ring.open(sealed, aad)).toThrow(UnsealError)
  })

  it.each([
    ['nonce', 0],
    ['tag', 12],
    ['ciphertext', 28],
    ['last byte', -1],
  ])('detects a tampered %s byte', (_label, index) => {
    const ring = createKeyring(TEST_SECRET)
    const sealed = ring.seal(KEY, AAD)
    const at = index < 0 ? sealed.bytes.length + index : index
    expect(() => ring.open(flipByte(sealed, at), AAD)).toThrow(UnsealError)
  })

  it('refuses a truncated value', () => {
    const ring = createKeyring(TEST_SECRET)
    const sealed = ring.seal(KEY, AAD)
    expect(() => ring.open({ ...sealed, bytes: sealed.bytes.subarray(0, 20) }, AAD)).toThrow(UnsealError)
  })

  it('refuses a key version it does not hold, without leaking key material', () => {
    const sealed = createKeyring(OTHER_SECRET).seal(KEY, AAD)
    const ring = createKeyring(TEST_SECRET)
    expect(() => ring.open(sealed, AAD)).toThrow(UnsealError)
    expect(() => ring.open(sealed, AAD)).toThrow(/key version/)
    try {
      ring.open(sealed, AAD)
    } catch (error) {
      expect(String(error)).not.toContain(KEY)
      expect(String(error)).not.toContain(TEST_SECRET)
    }
  })

  it('refuses a forged key version (same bytes, version relabelled)', () => {
    const old = createKeyring(OTHER_SECRET)
    const ring = createKeyring(TEST_SECRET, OTHER_SECRET)
    const sealed = old.seal(KEY, AAD)
    expect(() => ring.open({ ...sealed, keyVersion: ring.currentVersion }, AAD)).toThrow(UnsealError)
  })

  it('opens rows sealed under the previous secret after a rotation, and seals new rows with the new one', () => {
    const before = createKeyring(OTHER_SECRET)
    const oldRow = before.seal(KEY, AAD)
    const after = createKeyring(TEST_SECRET, OTHER_SECRET)
    expect(after.versions).toEqual([after.currentVersion, before.currentVersion])
    expect(after.open(oldRow, AAD)).toBe(KEY)
    const newRow = after.seal(KEY, AAD)
    expect(newRow.keyVersion).not.toBe(oldRow.keyVersion)
    expect(createKeyring(TEST_SECRET).open(newRow, AAD)).toBe(KEY)
  })

  it('derives a stable version id per secret that does not reveal the secret', () => {
    const a = createKeyring(TEST_SECRET)
    expect(createKeyring(TEST_SECRET).currentVersion).toBe(a.currentVersion)
    expect(createKeyring(OTHER_SECRET).currentVersion).not.toBe(a.currentVersion)
    expect(a.currentVersion).toMatch(/^k1-[0-9a-f]{12}$/)
    expect(createKeyring(TEST_SECRET, TEST_SECRET).versions).toEqual([a.currentVersion])
  })
})

describe('relay tokens', () => {
  it('carry the byok_rt_ prefix and 256 random bits', () => {
    const token = generateToken()
    expect(token.startsWith(TOKEN_PREFIX)).toBe(true)
    expect(TOKEN_PREFIX).toBe('byok_rt_')
    const random = Buffer.from(token.slice(TOKEN_PREFIX.length), 'base64url')
    expect(random.length * 8).toBeGreaterThanOrEqual(256)
    expect(looksLikeToken(token)).toBe(true)
  })

  it('are unique', () => {
    const tokens = new Set(Array.from({ length: 200 }, generateToken))
    expect(tokens.size).toBe(200)
  })

  it.each([
    ['empty', ''],
    ['no prefix', 'x'.repeat(51)],
    ['too short', 'byok_rt_abc'],
    ['bad characters', `byok_rt_${'!'.repeat(43)}`],
    ['trailing data', `${'byok_rt_'}${'a'.repeat(43)}x`],
  ])('shape check rejects %s', (_label, value) => {
    expect(looksLikeToken(value)).toBe(false)
  })

  it('hash deterministically per secret, differently across secrets and tokens', () => {
    const token = generateToken()
    const hasher = createTokenHasher(TEST_SECRET)
    const digest = hasher.hash(token)
    expect(digest.length).toBe(32)
    expect(hasher.hash(token).equals(digest)).toBe(true)
    expect(createTokenHasher(TEST_SECRET).hash(token).equals(digest)).toBe(true)
    expect(createTokenHasher(OTHER_SECRET).hash(token).equals(digest)).toBe(false)
    expect(hasher.hash(generateToken()).equals(digest)).toBe(false)
    expect(digest.includes(Buffer.from(token))).toBe(false)
  })
})
