import Fastify, { type FastifyInstance } from 'fastify'
import type { RelayConfig } from './config.js'
import { createKeyring, type Keyring } from './crypto/envelope.js'
import { createTokenHasher } from './crypto/tokens.js'
import { ConfigError } from './errors.js'
import { createLoggerOptions, type LogSink } from './logger.js'
import { createRequireCaller } from './plugins/auth.js'
import { registerCors } from './plugins/cors.js'
import { registerErrorHandler } from './plugins/error-handler.js'
import { registerNotFound } from './plugins/not-found.js'
import { createRateLimiter } from './plugins/rate-limit.js'
import { registerSecurityHeaders } from './plugins/security-headers.js'
import type { RouteContext } from './routes/context.js'
import { registerHealthRoutes } from './routes/health.js'
import { registerKeyRoutes } from './routes/keys.js'
import { registerUserRoutes } from './routes/users.js'
import { createAccounts } from './services/accounts.js'
import { createVault } from './services/vault.js'
import { openSqliteStore } from './store/sqlite.js'
import type { Store } from './store/types.js'

/** Everything buildApp would otherwise create itself; tests and embedders pass their own. */
export interface AppDeps {
  /** Defaults to the SQLite store at `config.store.path`. The app closes it on `app.close()`. */
  store?: Store
  /** Clock for token expiry and rate-limit windows. */
  now?: () => number
  /** Where log lines go (default stdout). */
  logSink?: LogSink
}

/** Refuse to start when stored keys were sealed under a secret this relay does not hold: never decrypt garbage. */
async function assertKeyringCoversStore(store: Store, keyring: Keyring): Promise<void> {
  const unknown = (await store.keyVersions()).filter((v) => !keyring.versions.includes(v))
  if (unknown.length > 0) {
    throw new ConfigError(
      'ENCRYPTION_SECRET',
      `does not match the secret the stored keys were encrypted with (key version ${unknown.join(', ')}, this secret is ${keyring.currentVersion}). ` +
        'Start with the original secret, or set it as ENCRYPTION_SECRET_PREVIOUS while rotating.',
    )
  }
}

/**
 * Build the relay as a Fastify instance, ready for `inject()` or `listen()`.
 *
 * @example
 * const app = await buildApp(loadConfig(process.env), {})
 * await app.listen({ port: 3000 })
 */
export async function buildApp(config: RelayConfig, deps: AppDeps = {}): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now
  const store = deps.store ?? openSqliteStore(config.store.path)
  const keyring = createKeyring(config.secrets.encryption, config.secrets.encryptionPrevious)
  try {
    await assertKeyringCoversStore(store, keyring)
  } catch (error) {
    await store.close()
    throw error
  }

  const app = Fastify({
    logger: createLoggerOptions(config.log.level, deps.logSink),
    bodyLimit: config.server.bodyLimit,
    // Ill-typed fields are a validation_error (SPEC §3.1); Fastify's default would coerce 42 or ['x'] to a string.
    ajv: { customOptions: { coerceTypes: false } },
    // A hop count means "trust the nearest n proxies" (what proxy-addr does with a number).
    trustProxy:
      typeof config.server.trustProxy === 'number'
        ? (
            (hops: number) => (_addr: string, i: number) =>
              i < hops
          )(config.server.trustProxy)
        : config.server.trustProxy,
    // Slow or idle clients must not hold sockets forever (slowloris); streams are exempt once headers are sent.
    requestTimeout: 120_000,
    connectionTimeout: 0,
    return503OnClosing: true,
  })

  const accounts = createAccounts({
    store,
    hasher: createTokenHasher(config.secrets.tokenHmac),
    now,
    expiryDays: config.tokens.expiryDays,
  })
  const ctx: RouteContext = {
    config,
    store,
    keyring,
    accounts,
    vault: createVault({ store, keyring, now }),
    limiters: {
      register: createRateLimiter({ max: config.rateLimits.registerPerHour, windowMs: 3_600_000, now }),
      relay: createRateLimiter({ max: config.rateLimits.relayPerMin, windowMs: 60_000, now }),
    },
    requireCaller: createRequireCaller(accounts),
  }
  const globalLimiter = createRateLimiter({ max: config.rateLimits.globalPerMin, windowMs: 60_000, now })

  app.decorateRequest('caller', null)
  registerErrorHandler(app)
  registerNotFound(app)
  registerJsonParser(app)

  // Hook order is the order of registration: CORS first so even 401/429 answers are readable by the page.
  await registerCors(app, config.cors)
  registerSecurityHeaders(app)
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || request.url === '/health') return
    reply.headers(globalLimiter.consume(`ip:${request.ip}`))
  })

  await registerHealthRoutes(app, ctx)
  await registerUserRoutes(app, ctx)
  await registerKeyRoutes(app, ctx)

  app.addHook('onClose', async () => {
    await store.close()
  })
  return app
}

/**
 * JSON bodies: an empty body counts as no body (clients send `Content-Type: application/json` on DELETE),
 * text/plain is not accepted, and parsing keeps Fastify's prototype-poisoning protection.
 */
function registerJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser(['application/json', 'text/plain'])
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text === '') return done(null, undefined)
    parseJson(request, text, done)
  })
}
