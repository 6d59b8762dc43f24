import type { FastifyReply, FastifyRequest } from 'fastify'
import type { RelayConfig } from '../config.js'
import type { Keyring } from '../crypto/envelope.js'
import type { RelayMetrics } from '../plugins/metrics.js'
import type { RateLimiter } from '../plugins/rate-limit.js'
import type { EgressPolicy } from '../proxy/egress.js'
import type { UpstreamDispatcher } from '../proxy/undici.js'
import type { RedisLink } from '../redis.js'
import type { Accounts } from '../services/accounts.js'
import type { Budgets } from '../services/budgets.js'
import type { Vault } from '../services/vault.js'
import type { Store } from '../store/types.js'

/** What route families receive from buildApp: the config slice and services, nothing global. */
export interface RouteContext {
  readonly config: RelayConfig
  /** The clock (tests drive it): token expiry, connect codes. */
  readonly now: () => number
  readonly store: Store
  readonly keyring: Keyring
  readonly accounts: Accounts
  readonly vault: Vault
  readonly budgets: Budgets
  readonly limiters: {
    readonly global: RateLimiter
    readonly register: RateLimiter
    readonly relay: RateLimiter
  }
  /** Dispatcher for upstreams the operator trusts: built-in base URLs and `<ID>_BASE_URL`. */
  readonly upstream: UpstreamDispatcher
  /** Checks and dispatcher for client-chosen custom endpoints (SPEC §3.6). */
  readonly egress: EgressPolicy
  /** Set only when REDIS_URL is. */
  readonly redis: RedisLink | undefined
  /** Set only when METRICS_TOKEN is. */
  readonly metrics: RelayMetrics | undefined
  /** Resolves the relay token; refuses scoped tokens (403 `token_scope_forbidden`). */
  readonly requireCaller: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** Resolves the relay token, scoped ones included; the route enforces their scope itself. */
  readonly requireCallerOrScoped: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
  /** The key per-IP limits count `request.ip` under (IPv6 by network prefix). */
  readonly clientKey: (ip: string | undefined) => string
}
