import { z } from 'zod'
import { ConfigError } from './errors.js'
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
  }
  readonly secrets: {
    readonly encryption: string
    /** The secret before a rotation, kept so old rows still decrypt. */
    readonly encryptionPrevious: string | undefined
    readonly tokenHmac: string
    readonly app: string | undefined
  }
  readonly cors: { readonly origins: '*' | readonly string[] }
  readonly store: { readonly path: string }
  readonly tokens: { readonly expiryDays: number }
  readonly rateLimits: {
    readonly globalPerMin: number
    readonly relayPerMin: number
    readonly registerPerHour: number
  }
  readonly proxy: {
    readonly allowedModels: readonly string[]
    readonly upstreamTimeoutMs: number
    readonly trustedUpstreams: readonly string[]
    /** Operator overrides from `<ID>_BASE_URL`, keyed by provider id. */
    readonly baseUrls: Readonly<Record<string, string>>
  }
  readonly log: { readonly level: LogLevel }
}

export type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

function int(min: number, max: number, fallback: number) {
  return z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback
      const n = Number(raw)
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a whole number from ${min} to ${max} (got "${raw}")`,
        })
        return z.NEVER
      }
      return n
    })
}

function secret(minLength: number) {
  // Never echo the value: this message may end up in a terminal or a CI log.
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined
      if (raw.length < minLength) {
        ctx.addIssue({
          code: 'custom',
          message: `must be at least ${minLength} characters (got ${raw.length})`,
        })
        return z.NEVER
      }
      return raw
    })
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

function origins(allowStar: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx): '*' | string[] => {
      const items = list(raw)
      if (allowStar && (items.length === 0 || (items.length === 1 && items[0] === '*'))) return '*'
      const parsed: string[] = []
      for (const item of items) {
        const origin = parseOrigin(item)
        if (!origin) {
          ctx.addIssue({
            code: 'custom',
            message: `"${redactCredentials(item)}" is not an origin; use scheme://host[:port], comma-separated${allowStar ? ', or *' : ''}`,
          })
          return z.NEVER
        }
        parsed.push(origin)
      }
      return parsed
    })
}

function baseUrl() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
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
      ctx.addIssue({
        code: 'custom',
        message: `must be an http(s) URL without credentials or query (got "${redactCredentials(raw)}")`,
      })
      return z.NEVER
    })
}

const modelPattern = /^[A-Za-z0-9._:/*@-]+$/

const EnvSchema = z.object({
  PORT: int(0, 65535, 3000),
  HOST: z
    .string()
    .trim()
    .optional()
    .refine((h) => h === undefined || /^[A-Za-z0-9.:[\]-]*$/.test(h), 'must be a hostname or IP address'),
  ENCRYPTION_SECRET: secret(32),
  ENCRYPTION_SECRET_PREVIOUS: secret(32),
  TOKEN_HMAC_SECRET: secret(32),
  APP_SECRET: secret(16),
  ALLOWED_ORIGINS: origins(true),
  DB_PATH: z.string().trim().optional(),
  TOKEN_EXPIRY_DAYS: int(0, 36500, 90),
  ALLOWED_MODELS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const items = list(raw)
      const bad = items.find((m) => !modelPattern.test(m))
      if (bad !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `"${bad}" is not a model name or pattern (letters, digits, . _ : / @ - and *)`,
        })
        return z.NEVER
      }
      return items
    }),
  REQUEST_BODY_LIMIT_BYTES: int(1024, 1024 * 1024 * 1024, 10 * 1024 * 1024),
  UPSTREAM_TIMEOUT_MS: int(100, 3_600_000, 30_000),
  RATE_LIMIT_GLOBAL_PER_MIN: int(0, 1_000_000_000, 100),
  RATE_LIMIT_RELAY_PER_MIN: int(0, 1_000_000_000, 20),
  RATE_LIMIT_REGISTER_PER_HOUR: int(0, 1_000_000_000, 10),
  TRUSTED_UPSTREAMS: origins(false),
  TRUST_PROXY: z
    .string()
    .trim()
    .optional()
    .transform((raw, ctx): boolean | number => {
      if (raw === undefined || raw === '' || raw === 'false') return false
      if (raw === 'true') return true
      if (/^\d{1,2}$/.test(raw)) return Number(raw)
      ctx.addIssue({
        code: 'custom',
        message: `must be true, false or a number of proxy hops (got "${raw}")`,
      })
      return z.NEVER
    }),
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .optional()
    .refine((l) => l === undefined || l === '' || (LOG_LEVELS as readonly string[]).includes(l), {
      message: `must be one of ${LOG_LEVELS.join(', ')}`,
    }),
})

const baseUrlSchemas = Object.fromEntries([...PROVIDERS.keys()].map((id) => [baseUrlVariable(id), baseUrl()]))
const BaseUrlSchema = z.object(baseUrlSchemas)

function firstIssue(error: z.ZodError): ConfigError {
  const issue = error.issues[0]
  const variable = String(issue?.path[0] ?? 'environment')
  return new ConfigError(variable, issue?.message ?? 'invalid value')
}

/**
 * Parse and validate the relay's environment once. Throws a `ConfigError` naming the first bad variable.
 *
 * @example
 * const config = loadConfig({ ENCRYPTION_SECRET: 'x'.repeat(32) }, { mode: 'dev' })
 */
export function loadConfig(env: Env, options: { mode?: RelayMode } = {}): RelayConfig {
  const mode = options.mode ?? 'production'
  const parsed = EnvSchema.safeParse(env)
  if (!parsed.success) throw firstIssue(parsed.error)
  const urls = BaseUrlSchema.safeParse(env)
  if (!urls.success) throw firstIssue(urls.error)
  const e = parsed.data

  if (e.ENCRYPTION_SECRET === undefined) {
    throw new ConfigError(
      'ENCRYPTION_SECRET',
      'is required (at least 32 characters; generate one with `openssl rand -base64 48`), or use `byok dev` for local development',
    )
  }

  const baseUrls: Record<string, string> = {}
  for (const id of PROVIDERS.keys()) {
    const value = (urls.data as Record<string, string | undefined>)[baseUrlVariable(id)]
    if (value !== undefined) baseUrls[id] = value
  }

  const config: RelayConfig = {
    mode,
    server: {
      host: e.HOST || (mode === 'dev' ? '127.0.0.1' : '0.0.0.0'),
      port: e.PORT,
      bodyLimit: e.REQUEST_BODY_LIMIT_BYTES,
      trustProxy: e.TRUST_PROXY,
    },
    secrets: {
      encryption: e.ENCRYPTION_SECRET,
      encryptionPrevious: e.ENCRYPTION_SECRET_PREVIOUS,
      tokenHmac: e.TOKEN_HMAC_SECRET ?? e.ENCRYPTION_SECRET,
      app: e.APP_SECRET,
    },
    cors: { origins: e.ALLOWED_ORIGINS },
    store: { path: e.DB_PATH || './data/relay.db' },
    tokens: { expiryDays: e.TOKEN_EXPIRY_DAYS },
    rateLimits: {
      globalPerMin: e.RATE_LIMIT_GLOBAL_PER_MIN,
      relayPerMin: e.RATE_LIMIT_RELAY_PER_MIN,
      registerPerHour: e.RATE_LIMIT_REGISTER_PER_HOUR,
    },
    proxy: {
      allowedModels: e.ALLOWED_MODELS,
      upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
      trustedUpstreams: e.TRUSTED_UPSTREAMS as string[],
      baseUrls,
    },
    log: { level: (e.LOG_LEVEL || (mode === 'dev' ? 'warn' : 'info')) as LogLevel },
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
