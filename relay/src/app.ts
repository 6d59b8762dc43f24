import Fastify, { type FastifyInstance } from 'fastify'
import type { RelayConfig } from './config.js'
import { createKeyring, type Keyring } from './crypto/envelope.js'
import { createTokenHasher } from './crypto/tokens.js'
import { ConfigError, RelayError } from './errors.js'
import { createLoggerOptions, type LogSink } from './logger.js'
import { createRequireCaller } from './plugins/auth.js'
import { handleClientError } from './plugins/client-errors.js'
import { createClientKey } from './plugins/client-key.js'
import { registerConnectionGuards } from './plugins/connection-guards.js'
import { registerCors } from './plugins/cors.js'
import { registerErrorHandler, sendError } from './plugins/error-handler.js'
import { createMetrics, registerMetrics, withStoreErrorCount } from './plugins/metrics.js'
import { registerNotFound } from './plugins/not-found.js'
import { registerOpenApi } from './plugins/openapi.js'
import { registerRateLimits } from './plugins/rate-limit.js'
import { registerSecurityHeaders } from './plugins/security-headers.js'
import { createEgressPolicy, type EgressOptions } from './proxy/egress.js'
import type { UpstreamDispatcher } from './proxy/undici.js'
import { createUpstreamAgent } from './proxy/upstream.js'
import { connectRedis, type RedisLink } from './redis.js'
import { registerBudgetRoutes } from './routes/budgets.js'
import { registerConnectRoutes } from './routes/connect.js'
import type { RouteContext } from './routes/context.js'
import { registerHealthRoutes } from './routes/health.js'
import { registerKeyRoutes } from './routes/keys.js'
import { registerModelRoutes } from './routes/models.js'
import { registerRelayRoutes } from './routes/relay.js'
import { registerSkillRoutes, type ServedSkill } from './routes/skill.js'
import { registerStatsRoutes } from './routes/stats.js'
import { registerTokenRoutes } from './routes/tokens.js'
import { registerUserRoutes } from './routes/users.js'
import { createAccounts } from './services/accounts.js'
import { createBudgets } from './services/budgets.js'
import { startHousekeeping } from './services/housekeeping.js'
import { createVault } from './services/vault.js'
import { createRedisInvalidation, type InvalidationBus, LOCAL_ONLY } from './store/invalidation.js'
import { openPostgresStore } from './store/postgres.js'
import { withReadCache } from './store/read-cache.js'
import { openSqliteStore } from './store/sqlite.js'
import type { Store } from './store/types.js'

/** How stale a token or key row may be when another process changed it (this process invalidates at once). */
const READ_CACHE_TTL_MS = 5_000

/** Everything buildApp would otherwise create itself; tests and embedders pass their own. */
export interface AppDeps {
  /**
   * Defaults to Postgres at `config.store.postgresUrl` when set, else the SQLite store at `config.store.path`.
   * The app closes it on `app.close()`.
   */
  store?: Store
  /** Clock for token expiry, budget periods and cache TTLs (rate-limit windows follow the system clock). */
  now?: () => number
  /** Where log lines go (default stdout). */
  logSink?: LogSink
  /** Dispatcher for operator-trusted upstreams (default: a pooled keep-alive undici Agent). */
  upstream?: UpstreamDispatcher
  /** DNS resolver for custom endpoints (tests answer with fixed addresses). */
  resolveHost?: EgressOptions['resolve']
  /** Which addresses custom endpoints may reach (default: public unicast only). */
  isAllowedAddress?: EgressOptions['isAllowedAddress']
  /**
   * The `/mcp` routes, registered only when `MCP_HTTP=on`. The byok CLI passes @byok/mcp's handler here; the
   * relay never imports it (dependency direction cli → mcp → relay).
   */
  mcpRoutes?: RelayRoutes
  /** The agent skill served at `GET /skill` and `/llms.txt` (the CLI passes the packaged SKILL.md; omitted: no routes). */
  skill?: ServedSkill
  /** When the database clean-up runs (services/housekeeping.ts): default a minute after start-up, then hourly. */
  housekeeping?: { readonly firstPassMs: number; readonly intervalMs: number }
}

/** Routes an embedder adds to the relay; they run behind the relay's hooks (CORS, limits, errors, shutdown). */
export type RelayRoutes = (app: FastifyInstance) => Promise<void> | void

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
  // Off unless METRICS_TOKEN is set: then nothing about metrics runs per request.
  const { token: metricsToken } = config.metrics
  const exposed =
    metricsToken === undefined ? undefined : { metrics: await createMetrics(), token: metricsToken }
  const metrics = exposed?.metrics
  if (config.mcp.http && !deps.mcpRoutes) {
    // An operator who asked for /mcp must not get a relay that silently lacks it.
    throw new ConfigError(
      'MCP_HTTP',
      'is on, but this relay was started without the MCP server: run it with `byok start` (the byok CLI), not the relay-only bin',
    )
  }
  // Postgres unreachable at start-up is a StoreUnavailableError (one line, no credentials) for the bin to print.
  const baseStore =
    deps.store ??
    (config.store.postgresUrl === undefined
      ? openSqliteStore(config.store.path)
      : await openPostgresStore(config.store.postgresUrl))
  const keyring = createKeyring(config.secrets.encryption, config.secrets.encryptionPrevious)
  try {
    await assertKeyringCoversStore(baseStore, keyring)
  } catch (error) {
    await baseStore.close()
    throw error
  }

  const app = Fastify({
    ...createLoggerOptions(config.log.level, deps.logSink),
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
    // A client dribbling header bytes (slowloris) never goes idle, so only a headers deadline frees its socket.
    // Node's default is 60 s, checked every 30 s (up to 90 s per socket); headers are a few KB, 10 s is ample.
    http: { headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
    // find-my-way's default (100) is shorter than the 200 characters an app_id may have (GET /stats/:app_id).
    routerOptions: { maxParamLength: 200 },
    // Node's parser and timeouts answer some requests before Fastify sees them (408, 431, the 400 for
    // Transfer-Encoding with Content-Length); those answers get the catalogue's shape too.
    clientErrorHandler: handleClientError,
    // Requests arriving during shutdown get our own 503 `unavailable` (below), in the SPEC §3.1 shape.
    return503OnClosing: false,
    // Fastify answers a URL it cannot percent-decode (`%c0%ae`, a lone `%`) or an over-long parameter before
    // any route runs, in its own body shape; SPEC §3.1 wants the catalogue's. An undecodable relay path is on
    // no allowlist.
    frameworkErrors: (error, request, reply) => {
      const relayPath = error.code === 'FST_ERR_BAD_URL' && request.url.startsWith('/relay/')
      sendError(
        reply,
        relayPath
          ? new RelayError('path_forbidden', {
              message: 'This path is not forwarded by the relay (bad percent-encoding)',
            })
          : new RelayError('validation_error', {
              message: 'The URL is malformed or a path segment is too long',
            }),
      )
    },
  })

  let redis: RedisLink | undefined
  let bus: InvalidationBus = LOCAL_ONLY
  try {
    redis = config.redis.url === undefined ? undefined : await connectRedis(config.redis.url, app.log)
    if (redis) bus = await createRedisInvalidation(redis)
  } catch (error) {
    await redis?.close()
    await baseStore.close()
    throw error
  }
  const store = withReadCache(metrics ? withStoreErrorCount(baseStore, metrics.storeError) : baseStore, {
    ttlMs: READ_CACHE_TTL_MS,
    maxEntries: 10_000,
    now,
    bus,
  })

  const clientKey = createClientKey(config.rateLimits.ipv6Prefix)
  const connectionGuards = registerConnectionGuards(app.server, {
    bodyTimeoutMs: config.server.bodyTimeoutMs,
    bodyMinBytesPerSec: config.server.bodyMinBytesPerSec,
    maxConnectionsPerIp: config.server.maxConnectionsPerIp,
    clientKey,
  })

  const accounts = createAccounts({
    store,
    hasher: createTokenHasher(config.secrets.tokenHmac),
    now,
    expiryDays: config.tokens.expiryDays,
  })
  const upstream = deps.upstream ?? createUpstreamAgent({ timeoutMs: config.proxy.upstreamTimeoutMs })
  const egress = createEgressPolicy({
    trustedOrigins: config.proxy.trustedUpstreams,
    connectTimeoutMs: config.proxy.upstreamTimeoutMs,
    headersTimeoutMs: config.proxy.upstreamTimeoutMs,
    ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
    ...(deps.isAllowedAddress ? { isAllowedAddress: deps.isAllowedAddress } : {}),
  })
  const ctx: RouteContext = {
    config,
    now,
    store,
    keyring,
    accounts,
    vault: createVault({ store, keyring, now }),
    budgets: createBudgets({ store, now, appBudgets: config.budgets.app, bus }),
    limiters: await registerRateLimits(
      app,
      {
        global: {
          max: config.rateLimits.globalPerMin,
          windowMs: 60_000,
          key: (request) => `ip:${clientKey(request.ip)}`,
          onReject: metrics && (() => metrics.rateLimited('global')),
        },
        register: {
          max: config.rateLimits.registerPerHour,
          windowMs: 3_600_000,
          key: (request) => `register:${clientKey(request.ip)}`,
          onReject: metrics && (() => metrics.rateLimited('register')),
        },
        relay: {
          max: config.rateLimits.relayPerMin,
          windowMs: 60_000,
          // Per relay token; counted once the relay route has resolved its target (routes/relay.ts).
          key: (request) => `relay:${request.relayTarget!.caller.tokenHash.toString('base64')}`,
          onReject: metrics && (() => metrics.rateLimited('relay')),
        },
      },
      redis,
    ),
    upstream,
    egress,
    redis,
    metrics,
    requireCaller: createRequireCaller(accounts),
    requireCallerOrScoped: createRequireCaller(accounts, { allowScoped: true }),
    clientKey,
  }

  app.decorateRequest('caller', null)
  registerErrorHandler(app)
  registerNotFound(app)
  registerJsonParser(app)
  // Before any route: it collects every route's schema at start-up (nothing per request).
  await registerOpenApi(app)
  if (exposed) registerMetrics(app, exposed.metrics, exposed.token)

  // Hook order is the order of registration: CORS first so even 401/429 answers are readable by the page.
  await registerCors(app, config.cors)
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
    connectionGuards.closeUnused()
  })
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done()
    reply.header('connection', 'close')
    done(new RelayError('unavailable', { message: 'The relay is shutting down', hint: 'Retry in a moment.' }))
  })
  registerSecurityHeaders(app)
  app.addHook('onRequest', async (request, reply) => {
    // The matched route, not request.url, so that /health?deep=1 is exempt too (load-balancer probes).
    // Relay calls spend the global quota only after their path and model checks (see routes/relay.ts).
    const route = request.routeOptions.url
    if (request.method === 'OPTIONS' || route === '/health' || route?.startsWith('/relay')) return
    reply.headers(await ctx.limiters.global.consume(request))
  })

  await registerHealthRoutes(app, ctx)
  await registerUserRoutes(app, ctx)
  await registerTokenRoutes(app, ctx)
  await registerKeyRoutes(app, ctx)
  await registerModelRoutes(app, ctx)
  await registerStatsRoutes(app, ctx)
  await registerBudgetRoutes(app, ctx)
  await registerConnectRoutes(app, ctx)
  if (deps.skill) await registerSkillRoutes(app, deps.skill)
  // Encapsulated: the relay scope replaces the JSON parser with a raw-bytes one.
  await app.register(async (scope) => registerRelayRoutes(scope, ctx))
  const mcpRoutes = deps.mcpRoutes
  if (config.mcp.http && mcpRoutes) await app.register(async (scope) => mcpRoutes(scope))

  let housekeeping: ReturnType<typeof startHousekeeping> | undefined
  app.addHook('onReady', async () => {
    housekeeping = startHousekeeping({
      store,
      now,
      firstPassMs: deps.housekeeping?.firstPassMs ?? 60_000,
      intervalMs: deps.housekeeping?.intervalMs ?? 3_600_000,
      onPass: (outcome) => {
        if ('error' in outcome)
          app.log.warn({ err: outcome.error }, 'housekeeping failed; the next pass retries')
        else app.log.info(outcome.deleted, 'housekeeping: deleted expired tokens and past budget counters')
      },
    })
  })

  app.addHook('onClose', async () => {
    connectionGuards.stop()
    await housekeeping?.stop()
    await Promise.allSettled([egress.close(), deps.upstream ? Promise.resolve() : upstream.close()])
    await redis?.close()
    await ctx.budgets.close()
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
