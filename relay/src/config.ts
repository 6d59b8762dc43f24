import { type AppBudget, InvalidFile, readAppBudgets, readPrices } from './config-files.js'
import { ConfigError } from './errors.js'
import { type ModelPrice, withPriceOverrides } from './pricing.js'
import { baseUrlVariable, PROVIDERS } from './providers/index.js'

export type RelayMode = 'production' | 'dev'
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/** Everything the relay needs, parsed and validated once at start-up, then frozen and passed down. */
export interface RelayConfig {
  readonly mode: RelayMode
  readonly server: {
    readonly host: string
    readonly port: number
    readonly bodyLimit: number
    /** Fastify's trustProxy: false, true, or a hop count. Needed for per-IP limits behind a reverse proxy. */
    readonly trustProxy: boolean | number
    /**
     * Slow bodies (slowloris): every `bodyTimeoutMs` a request body still being received must have brought at
     * least `bodyMinBytesPerSec` × that many seconds, or the request gets a 408 and its socket is closed.
     * 0 turns the check off.
     */
    readonly bodyTimeoutMs: number
    readonly bodyMinBytesPerSec: number
    /** Open sockets one client address may hold (IPv6 by `rateLimits.ipv6Prefix`); 0 = no cap. */
    readonly maxConnectionsPerIp: number
  }
  readonly secrets: {
    readonly encryption: string
    /** The secret before a rotation, kept so old rows still decrypt. */
    readonly encryptionPrevious: string | undefined
    readonly tokenHmac: string
    readonly app: string | undefined
  }
  readonly cors: { readonly origins: '*' | readonly string[] }
  /**
   * SQLite at `path` (the default), or Postgres when `DATABASE_URL` is set: then `path` is unused and several
   * relay instances can share the database.
   */
  readonly store: { readonly path: string; readonly postgresUrl: string | undefined }
  /** `REDIS_URL`: shared rate-limit counters and cache invalidation between relay instances (unset: this process only). */
  readonly redis: { readonly url: string | undefined }
  readonly tokens: { readonly expiryDays: number }
  readonly rateLimits: {
    readonly globalPerMin: number
    readonly relayPerMin: number
    readonly registerPerHour: number
    /** IPv6 clients are counted per network of this prefix length (a /64 is one subscriber's LAN). */
    readonly ipv6Prefix: number
  }
  readonly proxy: {
    readonly allowedModels: readonly string[]
    readonly upstreamTimeoutMs: number
    readonly trustedUpstreams: readonly string[]
    /** Operator overrides from `<ID>_BASE_URL`, keyed by provider id. */
    readonly baseUrls: Readonly<Record<string, string>>
  }
  readonly log: { readonly level: LogLevel }
  /** `GET /metrics` is registered only when a token is set (Authorization: Bearer <METRICS_TOKEN>). */
  readonly metrics: { readonly token: string | undefined }
  readonly budgets: {
    /** APP_BUDGETS_FILE: caps the operator sets per app, counted per user on top of the user's own budgets. */
    readonly app: readonly AppBudget[]
    /** The price table for cost estimates: the built-in one, overridden and extended by PRICES_FILE. */
    readonly prices: readonly ModelPrice[]
  }
  /** `MCP_HTTP=on`: serve the MCP tools at `/mcp`; the handler comes from the embedder (`AppDeps.mcpRoutes`). */
  readonly mcp: { readonly http: boolean }
}

export type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

/** A bad value; loadConfig turns it into a ConfigError naming the variable. */
class Invalid extends Error {}

// Plain parsers rather than a schema library: this runs once, and the relay's memory floor matters more.
type Parser<T> = (raw: string | undefined) => T

function int(min: number, max: number, fallback: number): Parser<number> {
  return (value) => {
    const raw = value?.trim()
    if (raw === undefined || raw === '') return fallback
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new Invalid(`must be a whole number from ${min} to ${max} (got "${raw}")`)
    }
    return n
  }
}

function secret(minLength: number): Parser<string | undefined> {
  // Never echo the value: this message may end up in a terminal or a CI log.
  return (raw) => {
    if (raw === undefined || raw === '') return undefined
    if (raw.length < minLength)
      throw new Invalid(`must be at least ${minLength} characters (got ${raw.length})`)
    return raw
  }
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
}

/** `https://app.example.com` → itself; anything with a path, query or credentials is not an origin. */
function parseOrigin(value: string): string | undefined {
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    if (
      url.username ||
      url.password ||
      url.search ||
      url.hash ||
      (url.pathname !== '/' && url.pathname !== '')
    ) {
      return undefined
    }
    if (value.replace(/\/$/, '') !== url.origin) return undefined
    return url.origin
  } catch {
    return undefined
  }
}

/** `https://user:pw@host` → `https://***@host`: these messages reach terminals and CI logs. */
function redactCredentials(value: string): string {
  return value.replace(/^([^:/?#]+:\/\/)?[^/?#]*@/, '$1***@')
}

function origins(allowStar: boolean): Parser<'*' | string[]> {
  return (raw) => {
    const items = list(raw)
    if (allowStar && (items.length === 0 || (items.length === 1 && items[0] === '*'))) return '*'
    return items.map((item) => {
      const origin = parseOrigin(item)
      if (!origin) {
        throw new Invalid(
          `"${redactCredentials(item)}" is not an origin; use scheme://host[:port], comma-separated${allowStar ? ', or *' : ''}`,
        )
      }
      return origin
    })
  }
}

/** Like `int`, but unset is `undefined`: the default then depends on the mode (see `DEV_DEFAULTS`). */
function optionalInt(min: number, max: number): Parser<number | undefined> {
  const parse = int(min, max, Number.NaN)
  return (value) => {
    const n = parse(value)
    return Number.isNaN(n) ? undefined : n
  }
}

const baseUrl: Parser<string | undefined> = (raw) => {
  if (raw === undefined || raw.trim() === '') return undefined
  try {
    const url = new URL(raw.trim())
    if (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      !url.username &&
      !url.password &&
      !url.search
    ) {
      return url.href.replace(/\/$/, '')
    }
  } catch {}
  throw new Invalid(`must be an http(s) URL without credentials or query (got "${redactCredentials(raw)}")`)
}

const redisUrl: Parser<string | undefined> = (raw) => {
  const value = raw?.trim()
  if (value === undefined || value === '') return undefined
  try {
    const url = new URL(value)
    if ((url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '') return value
  } catch {}
  throw new Invalid(`must be a redis:// or rediss:// URL (got "${redactCredentials(value)}")`)
}

const modelPattern = /^[A-Za-z0-9._:/*@-]+$/

/** An optional JSON file read once at start-up; unset or empty means none. */
function jsonFile<T>(read: (path: string) => T[]): Parser<T[]> {
  return (raw) => (raw === undefined || raw.trim() === '' ? [] : read(raw.trim()))
}

const PARSERS = {
  PORT: int(0, 65535, 3000),
  HOST: (raw: string | undefined) => {
    const host = raw?.trim()
    if (host !== undefined && !/^[A-Za-z0-9.:[\]-]*$/.test(host))
      throw new Invalid('must be a hostname or IP address')
    return host
  },
  ENCRYPTION_SECRET: secret(32),
  ENCRYPTION_SECRET_PREVIOUS: secret(32),
  TOKEN_HMAC_SECRET: secret(32),
  APP_SECRET: secret(16),
  METRICS_TOKEN: secret(16),
  ALLOWED_ORIGINS: origins(true),
  DB_PATH: (raw: string | undefined) => raw?.trim(),
  REDIS_URL: redisUrl,
  DATABASE_URL: (value: string | undefined) => {
    const raw = value?.trim()
    if (raw === undefined || raw === '') return undefined
    let url: URL | undefined
    try {
      url = new URL(raw)
    } catch {}
    if (!url || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') || !url.hostname) {
      // Only the scheme is echoed: the rest of a connection string may hold a password.
      const got = url ? `a ${url.protocol}// URL` : 'something that is not a URL'
      throw new Invalid(
        `must be a postgres://user:password@host:port/database URL (got ${got}); unset it to use SQLite (DB_PATH)`,
      )
    }
    return raw
  },
  TOKEN_EXPIRY_DAYS: int(0, 36500, 90),
  ALLOWED_MODELS: (raw: string | undefined) => {
    const items = list(raw)
    const bad = items.find((m) => !modelPattern.test(m))
    if (bad !== undefined) {
      throw new Invalid(`"${bad}" is not a model name or pattern (letters, digits, . _ : / @ - and *)`)
    }
    return items
  },
  REQUEST_BODY_LIMIT_BYTES: int(1024, 1024 * 1024 * 1024, 10 * 1024 * 1024),
  UPSTREAM_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  RATE_LIMIT_GLOBAL_PER_MIN: optionalInt(0, 1_000_000_000),
  RATE_LIMIT_RELAY_PER_MIN: optionalInt(0, 1_000_000_000),
  RATE_LIMIT_REGISTER_PER_HOUR: optionalInt(0, 1_000_000_000),
  RATE_LIMIT_IPV6_PREFIX: int(16, 128, 64),
  REQUEST_BODY_TIMEOUT_MS: int(0, 3_600_000, 10_000),
  REQUEST_BODY_MIN_BYTES_PER_SEC: int(0, 1_000_000_000, 1024),
  MAX_CONNECTIONS_PER_IP: int(0, 1_000_000, 128),
  TRUSTED_UPSTREAMS: origins(false) as Parser<string[]>,
  TRUST_PROXY: (value: string | undefined): boolean | number => {
    const raw = value?.trim()
    if (raw === undefined || raw === '' || raw === 'false') return false
    if (raw === 'true') return true
    if (/^\d{1,2}$/.test(raw)) return Number(raw)
    throw new Invalid(`must be true, false or a number of proxy hops (got "${raw}")`)
  },
  APP_BUDGETS_FILE: jsonFile(readAppBudgets),
  PRICES_FILE: jsonFile(readPrices),
  MCP_HTTP: (value: string | undefined): boolean => {
    const raw = value?.trim().toLowerCase()
    if (raw === undefined || raw === '' || raw === 'off' || raw === 'false' || raw === '0') return false
    if (raw === 'on' || raw === 'true' || raw === '1') return true
    throw new Invalid(`must be on or off (got "${value}")`)
  },
  LOG_LEVEL: (value: string | undefined) => {
    const level = value?.trim().toLowerCase()
    if (level === undefined || level === '') return undefined
    if (!(LOG_LEVELS as readonly string[]).includes(level))
      throw new Invalid(`must be one of ${LOG_LEVELS.join(', ')}`)
    return level as LogLevel
  },
} satisfies Record<string, Parser<unknown>>

/** Every variable loadConfig reads besides the per-provider `<ID>_BASE_URL` overrides (`.env.example` lists them). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(PARSERS)

/**
 * Rate limits when the variable is unset. Dev mode is for iterating: a developer who reloads fresh browser
 * profiles or re-runs the README's curl block must never be locked out, so its limits are far above what one
 * person produces; production keeps byok-relay's defaults.
 */
const RATE_LIMIT_DEFAULTS = {
  production: { globalPerMin: 100, relayPerMin: 20, registerPerHour: 10 },
  dev: { globalPerMin: 10_000, relayPerMin: 1_000, registerPerHour: 10_000 },
} as const satisfies Record<RelayMode, Record<string, number>>

type Parsed = { [K in keyof typeof PARSERS]: ReturnType<(typeof PARSERS)[K]> }

function parse<T>(variable: string, parser: Parser<T>, env: Env): T {
  try {
    return parser(env[variable])
  } catch (error) {
    if (error instanceof Invalid || error instanceof InvalidFile)
      throw new ConfigError(variable, error.message)
    throw error
  }
}

/**
 * Parse and validate the relay's environment once. Throws a `ConfigError` naming the first bad variable.
 *
 * @example
 * const config = loadConfig({ ENCRYPTION_SECRET: 'x'.repeat(32) }, { mode: 'dev' })
 */
export function loadConfig(env: Env, options: { mode?: RelayMode } = {}): RelayConfig {
  const mode = options.mode ?? 'production'
  const e = Object.fromEntries(
    Object.entries(PARSERS).map(([variable, parser]) => [
      variable,
      parse(variable, parser as Parser<unknown>, env),
    ]),
  ) as Parsed

  const baseUrls: Record<string, string> = {}
  for (const id of PROVIDERS.keys()) {
    const value = parse(baseUrlVariable(id), baseUrl, env)
    if (value !== undefined) baseUrls[id] = value
  }

  if (e.ENCRYPTION_SECRET === undefined) {
    throw new ConfigError(
      'ENCRYPTION_SECRET',
      'is required (at least 32 characters; generate one with `openssl rand -base64 48`), or use `byok dev` for local development',
    )
  }

  const config: RelayConfig = {
    mode,
    server: {
      host: e.HOST || (mode === 'dev' ? '127.0.0.1' : '0.0.0.0'),
      port: e.PORT,
      bodyLimit: e.REQUEST_BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY,
      bodyTimeoutMs: e.REQUEST_BODY_TIMEOUT_MS,
      bodyMinBytesPerSec: e.REQUEST_BODY_MIN_BYTES_PER_SEC,
      maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
    },
    secrets: {
      encryption: e.ENCRYPTION_SECRET,
      encryptionPrevious: e.ENCRYPTION_SECRET_PREVIOUS,
      tokenHmac: e.TOKEN_HMAC_SECRET ?? e.ENCRYPTION_SECRET,
      app: e.APP_SECRET,
    },
    cors: { origins: e.ALLOWED_ORIGINS },
    store: { path: e.DB_PATH || './data/relay.db', postgresUrl: e.DATABASE_URL },
    redis: { url: e.REDIS_URL },
    tokens: { expiryDays: e.TOKEN_EXPIRY_DAYS },
    rateLimits: {
      globalPerMin: e.RATE_LIMIT_GLOBAL_PER_MIN ?? RATE_LIMIT_DEFAULTS[mode].globalPerMin,
      relayPerMin: e.RATE_LIMIT_RELAY_PER_MIN ?? RATE_LIMIT_DEFAULTS[mode].relayPerMin,
      registerPerHour: e.RATE_LIMIT_REGISTER_PER_HOUR ?? RATE_LIMIT_DEFAULTS[mode].registerPerHour,
      ipv6Prefix: e.RATE_LIMIT_IPV6_PREFIX,
    },
    proxy: {
      allowedModels: e.ALLOWED_MODELS,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      trustedUpstreams: e.TRUSTED_UPSTREAMS,
      baseUrls,
    },
    log: { level: e.LOG_LEVEL ?? (mode === 'dev' ? 'warn' : 'info') },
    metrics: { token: e.METRICS_TOKEN },
    budgets: { app: e.APP_BUDGETS_FILE, prices: withPriceOverrides(e.PRICES_FILE) },
    mcp: { http: e.MCP_HTTP },
  }
  return deepFreeze(config)
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child)
    Object.freeze(value)
  }
  return value
}
