import { describe, expect, it } from 'vitest'
import { ConfigError, type Env, loadConfig, type RelayMode } from '../src/index.js'
import { TEST_SECRET } from './helpers.js'

const base: Env = { ENCRYPTION_SECRET: TEST_SECRET }

function configError(env: Env, mode: RelayMode = 'production'): ConfigError {
  try {
    loadConfig(env, { mode })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    return error as ConfigError
  }
  throw new Error(`expected loadConfig to throw for ${JSON.stringify(Object.keys(env))}`)
}

describe('loadConfig: invalid values', () => {
  // [variable, env, value that must never be echoed (a secret or credential), mode]
  const cases: [string, Env, string | undefined][] = [
    ['PORT', { ...base, PORT: 'abc' }, undefined],
    ['PORT', { ...base, PORT: '70000' }, undefined],
    ['HOST', { ...base, HOST: 'bad host!' }, undefined],
    ['ENCRYPTION_SECRET', { ENCRYPTION_SECRET: 'too-short-secret-value' }, 'too-short-secret-value'],
    ['ENCRYPTION_SECRET', {}, undefined],
    [
      'ENCRYPTION_SECRET_PREVIOUS',
      { ...base, ENCRYPTION_SECRET_PREVIOUS: 'old-short-secret' },
      'old-short-secret',
    ],
    ['TOKEN_HMAC_SECRET', { ...base, TOKEN_HMAC_SECRET: 'short-hmac-secret' }, 'short-hmac-secret'],
    ['APP_SECRET', { ...base, APP_SECRET: 'app-secret-9' }, 'app-secret-9'],
    ['ALLOWED_ORIGINS', { ...base, ALLOWED_ORIGINS: 'not a url' }, undefined],
    ['ALLOWED_ORIGINS', { ...base, ALLOWED_ORIGINS: 'https://a.com/path' }, undefined],
    [
      'ALLOWED_ORIGINS',
      { ...base, ALLOWED_ORIGINS: 'https://ok.com,https://u:origin-pw@b.com' },
      'origin-pw',
    ],
    ['TOKEN_EXPIRY_DAYS', { ...base, TOKEN_EXPIRY_DAYS: '-1' }, undefined],
    ['ALLOWED_MODELS', { ...base, ALLOWED_MODELS: 'gpt-4o,claude 3' }, undefined],
    ['REQUEST_BODY_LIMIT_BYTES', { ...base, REQUEST_BODY_LIMIT_BYTES: '10' }, undefined],
    ['UPSTREAM_TIMEOUT_MS', { ...base, UPSTREAM_TIMEOUT_MS: 'x' }, undefined],
    ['RATE_LIMIT_GLOBAL_PER_MIN', { ...base, RATE_LIMIT_GLOBAL_PER_MIN: 'x' }, undefined],
    ['RATE_LIMIT_RELAY_PER_MIN', { ...base, RATE_LIMIT_RELAY_PER_MIN: 'x' }, undefined],
    ['RATE_LIMIT_REGISTER_PER_HOUR', { ...base, RATE_LIMIT_REGISTER_PER_HOUR: 'x' }, undefined],
    ['RATE_LIMIT_IPV6_PREFIX', { ...base, RATE_LIMIT_IPV6_PREFIX: '129' }, undefined],
    ['REQUEST_BODY_TIMEOUT_MS', { ...base, REQUEST_BODY_TIMEOUT_MS: '-5' }, undefined],
    ['REQUEST_BODY_MIN_BYTES_PER_SEC', { ...base, REQUEST_BODY_MIN_BYTES_PER_SEC: '1.5' }, undefined],
    ['MAX_CONNECTIONS_PER_IP', { ...base, MAX_CONNECTIONS_PER_IP: 'lots' }, undefined],
    ['TRUSTED_UPSTREAMS', { ...base, TRUSTED_UPSTREAMS: 'ftp://x' }, undefined],
    ['TRUSTED_UPSTREAMS', { ...base, TRUSTED_UPSTREAMS: '*' }, undefined],
    ['TRUST_PROXY', { ...base, TRUST_PROXY: 'maybe' }, undefined],
    ['LOG_LEVEL', { ...base, LOG_LEVEL: 'loud' }, undefined],
    ['DATABASE_URL', { ...base, DATABASE_URL: 'mysql://u:db-pw-1@db.example/byok' }, 'db-pw-1'],
    ['DATABASE_URL', { ...base, DATABASE_URL: 'not a url db-pw-2' }, 'db-pw-2'],
    ['DATABASE_URL', { ...base, DATABASE_URL: 'postgres://u:p/w-3@' }, 'w-3'],
    ['OPENAI_BASE_URL', { ...base, OPENAI_BASE_URL: 'not-a-url' }, undefined],
    [
      'ANTHROPIC_BASE_URL',
      { ...base, ANTHROPIC_BASE_URL: 'https://user:upstream-pw@proxy.example' },
      'upstream-pw',
    ],
  ]

  it.each(cases)('%s rejects %j', (variable, env, secret) => {
    const error = configError(env)
    expect(error.variable).toBe(variable)
    expect(error.message).toContain(variable)
    // A valid secret elsewhere in the environment is never echoed either.
    expect(error.message).not.toContain(TEST_SECRET)
    if (secret !== undefined) expect(error.message).not.toContain(secret)
  })

  it('masks credentials in a URL but still shows where it points', () => {
    const error = configError({ ...base, ANTHROPIC_BASE_URL: 'https://user:upstream-pw@proxy.example/v1' })
    expect(error.message).toContain('https://***@proxy.example/v1')
  })

  it('requires ENCRYPTION_SECRET in dev mode too (byok dev generates one before calling loadConfig)', () => {
    expect(configError({}, 'dev').variable).toBe('ENCRYPTION_SECRET')
  })
})

describe('loadConfig: defaults', () => {
  it('fills in the SPEC §3.7 defaults in production mode', () => {
    const config = loadConfig(base)
    expect(config.mode).toBe('production')
    expect(config.server).toEqual({
      host: '0.0.0.0',
      port: 3000,
      bodyLimit: 10 * 1024 * 1024,
      trustProxy: false,
      bodyTimeoutMs: 10_000,
      bodyMinBytesPerSec: 1024,
      maxConnectionsPerIp: 128,
    })
    expect(config.store).toEqual({ path: './data/relay.db', postgresUrl: undefined })
    expect(config.tokens.expiryDays).toBe(90)
    expect(config.rateLimits).toEqual({
      globalPerMin: 100,
      relayPerMin: 20,
      registerPerHour: 10,
      ipv6Prefix: 64,
    })
    expect(config.proxy.upstreamTimeoutMs).toBe(30_000)
    expect(config.proxy.allowedModels).toEqual([])
    expect(config.proxy.baseUrls).toEqual({})
    expect(config.cors.origins).toBe('*')
    expect(config.secrets.app).toBeUndefined()
    expect(config.log.level).toBe('info')
  })

  it('selects Postgres with a postgres:// or postgresql:// DATABASE_URL', () => {
    for (const url of [
      'postgres://byok:pw@db.internal:5432/byok',
      'postgresql://db.internal/byok?sslmode=require',
    ]) {
      expect(loadConfig({ ...base, DATABASE_URL: ` ${url} ` }).store.postgresUrl).toBe(url)
    }
  })

  it('binds to loopback in dev mode', () => {
    expect(loadConfig(base, { mode: 'dev' }).server.host).toBe('127.0.0.1')
  })

  // Issue 16 item 3: `byok dev` kept production's 10 registrations per hour, locking a developer out.
  it('keeps rate limits generous in dev mode, unless a variable says otherwise', () => {
    const dev = loadConfig(base, { mode: 'dev' }).rateLimits
    expect(dev.registerPerHour).toBeGreaterThanOrEqual(1000)
    expect(dev.globalPerMin).toBeGreaterThanOrEqual(1000)
    expect(dev.relayPerMin).toBeGreaterThanOrEqual(600)
    const pinned = loadConfig(
      { ...base, RATE_LIMIT_REGISTER_PER_HOUR: '3', RATE_LIMIT_GLOBAL_PER_MIN: '0' },
      { mode: 'dev' },
    ).rateLimits
    expect(pinned).toMatchObject({ registerPerHour: 3, globalPerMin: 0 })
  })

  it('falls back to ENCRYPTION_SECRET for token HMACs, unless TOKEN_HMAC_SECRET is set', () => {
    expect(loadConfig(base).secrets.tokenHmac).toBe(TEST_SECRET)
    const hmac = 'h'.repeat(40)
    expect(loadConfig({ ...base, TOKEN_HMAC_SECRET: hmac }).secrets.tokenHmac).toBe(hmac)
  })

  it('treats empty strings as unset', () => {
    const config = loadConfig({ ...base, PORT: '', APP_SECRET: '', LOG_LEVEL: '', OPENAI_BASE_URL: ' ' })
    expect(config.server.port).toBe(3000)
    expect(config.secrets.app).toBeUndefined()
    expect(config.log.level).toBe('info')
    expect(config.proxy.baseUrls).toEqual({})
  })
})

describe('loadConfig: parsing', () => {
  it('parses lists, numbers and flags', () => {
    const config = loadConfig({
      ...base,
      PORT: '0',
      HOST: '::1',
      ALLOWED_ORIGINS: 'https://app.example.com, http://localhost:5173/',
      ALLOWED_MODELS: 'gpt-4o-mini, claude-*',
      TRUSTED_UPSTREAMS: 'http://192.168.1.20:11434',
      TRUST_PROXY: '2',
      TOKEN_EXPIRY_DAYS: '0',
      LOG_LEVEL: 'DEBUG',
    })
    expect(config.server.port).toBe(0)
    expect(config.server.host).toBe('::1')
    expect(config.server.trustProxy).toBe(2)
    expect(config.cors.origins).toEqual(['https://app.example.com', 'http://localhost:5173'])
    expect(config.proxy.allowedModels).toEqual(['gpt-4o-mini', 'claude-*'])
    expect(config.proxy.trustedUpstreams).toEqual(['http://192.168.1.20:11434'])
    expect(config.tokens.expiryDays).toBe(0)
    expect(config.log.level).toBe('debug')
  })

  it('maps <ID>_BASE_URL onto provider ids, without a trailing slash', () => {
    const config = loadConfig({
      ...base,
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/',
      OPENAI_COMPATIBLE_BASE_URL: 'https://gateway.example.com/v1',
      NOT_A_PROVIDER_BASE_URL: 'https://ignored.example',
    })
    expect(config.proxy.baseUrls).toEqual({
      openai: 'http://127.0.0.1:9999',
      'openai-compatible': 'https://gateway.example.com/v1',
    })
  })

  it('returns a deeply frozen config', () => {
    const config = loadConfig({ ...base, ALLOWED_ORIGINS: 'https://a.example' })
    for (const part of [
      config,
      config.server,
      config.secrets,
      config.rateLimits,
      config.proxy,
      config.cors,
    ]) {
      expect(Object.isFrozen(part)).toBe(true)
    }
    expect(Object.isFrozen(config.cors.origins)).toBe(true)
    expect(() => {
      ;(config.server as { port: number }).port = 1
    }).toThrow(TypeError)
    expect(config.server.port).toBe(3000)
  })
})
