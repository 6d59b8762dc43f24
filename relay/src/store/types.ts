/**
 * Persistence behind an interface (SPEC §3.8), so a networked database can replace SQLite without touching
 * routes. Methods are async for that reason even though the SQLite implementation is synchronous underneath.
 */
export interface UserRecord {
  readonly id: string
  readonly appId: string
  readonly createdAt: number
}

/**
 * What a scoped token (`POST /tokens`) may do; null in a list means "not restricted". Unscoped tokens (from
 * `POST /users`) have no scope at all.
 */
export interface TokenScope {
  readonly providers: readonly string[] | null
  /** `*` globs, matched against `model` or `provider/model` like `ALLOWED_MODELS`. */
  readonly models: readonly string[] | null
  /** Exact origins (`https://app.example`), compared with the request's `Origin` header. */
  readonly origins: readonly string[] | null
  /**
   * Caps on the token's use: those of the token it was minted from, then its own (if it asked for one), nearest
   * last. Every one applies to every call; absent = uncapped.
   */
  readonly caps?: readonly TokenCap[]
}

/** How long a token cap's counters run: a UTC day or month (like budgets), or the token's whole life. */
export type CapPeriod = BudgetPeriod | 'total'

/**
 * A cap set on a scoped token (`POST /tokens` `cap`). Its counters are shared by the token and every token minted
 * from it (they carry the cap too), so minting cannot escape it. Counted like an app budget: per (user, cap id).
 */
export interface TokenCap {
  /** Public id of the token that set the cap. */
  readonly tokenId: string
  readonly period: CapPeriod
  /** null = no cap on that counter. */
  readonly maxRequests: number | null
  readonly maxInputTokens: number | null
  readonly maxOutputTokens: number | null
}

export interface TokenRecord {
  readonly hash: Buffer
  /** Public identifier (GET /tokens, DELETE /tokens/:id); reveals nothing about the token. */
  readonly id: string
  readonly userId: string
  readonly appId: string
  readonly createdAt: number
  /** Epoch ms, or null when tokens never expire. */
  readonly expiresAt: number | null
  readonly revokedAt: number | null
  readonly scope: TokenScope | null
}

/** A token to insert: only its HMAC digest is ever stored. Without `id` the store picks one; no `scope` = unscoped. */
export interface NewToken {
  readonly hash: Buffer
  readonly id?: string
  readonly createdAt: number
  readonly expiresAt: number | null
  readonly scope?: TokenScope | null
  /** Public id of the token that minted this one (`POST /tokens`); revoking that token revokes this one. */
  readonly parentId?: string | null
}

/** A pending code of the connect page's redirect mode (`POST /connect/codes`); only its SHA-256 is stored. */
export interface ConnectCodeRecord {
  readonly digest: Buffer
  /** The HMAC digest of the relay token the connect page acted with: the exchange mints from that token. */
  readonly tokenHash: Buffer
  readonly provider: string
  readonly redirectUri: string
  /** The origin of `redirectUri`: the only origin the exchanged token will work from. */
  readonly origin: string
  /** base64url(SHA-256(code_verifier)), PKCE S256. */
  readonly challenge: string
  readonly expiresAt: number
}

export interface KeyRecord {
  readonly userId: string
  readonly provider: string
  readonly keyVersion: string
  readonly sealed: Buffer
  /** At most the last 4 characters of the key, for a settings screen. */
  readonly hint: string
  readonly baseUrl: string | null
  readonly createdAt: number
  readonly updatedAt: number
}

export interface RequestLogEntry {
  readonly at: number
  readonly userId: string
  readonly appId: string
  readonly provider: string
  readonly model: string | null
  /** Upstream status, or the relay's own (502/504) when the provider could not answer; 499 if the client left. */
  readonly status: number
  readonly latencyMs: number
  readonly inputTokens: number | null
  readonly outputTokens: number | null
}

export interface UsageRow {
  readonly provider: string
  readonly model: string | null
  readonly requests: number
  readonly errors: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/** Whose calls a usage summary adds up. */
type UsageScope = { readonly userId: string } | { readonly appId: string }

/** A bounded summary of the request log: its size does not grow with the number of distinct models. */
export interface UsageSummary {
  readonly requests: number
  /** Calls answered with a status of 400 or more. */
  readonly errors: number
  readonly inputTokens: number
  readonly outputTokens: number
  /** Calls in the last 7 and 30 days before `now`. */
  readonly last7d: number
  readonly last30d: number
  /** Epoch ms of the latest call, or null. */
  readonly lastRequestAt: number | null
  /** Distinct users with at least one logged call. */
  readonly users: number
  readonly byProvider: readonly {
    readonly provider: string
    readonly requests: number
    readonly errors: number
  }[]
  /** The busiest (provider, model) pairs, at most `USAGE_ROW_LIMIT`, ordered by provider then model. */
  readonly byModel: readonly UsageRow[]
  /** The busiest models across providers, at most `TOP_MODEL_LIMIT`, busiest first. */
  readonly topModels: readonly { readonly model: string; readonly requests: number }[]
}

export const USAGE_ROW_LIMIT = 100
export const TOP_MODEL_LIMIT = 10

export interface PurgeCutoffs {
  readonly tokensBefore: number
  readonly countersBefore: number
  readonly limit: number
}

/** What one `purgeExpired` deleted: tokens, and counter rows over both counter tables. */
export interface PurgeResult {
  readonly tokens: number
  readonly counters: number
}

export interface Store extends BudgetStore {
  /** Creates the user and their first token atomically. */
  createUser(user: UserRecord, token: NewToken): Promise<void>
  /**
   * The user bound to the app's own account (`app_id`, `external_user_id`), created with `newUser` the first
   * time, and a new token for them; atomic, so two first logins at once still make one user.
   */
  issueExternalUserToken(
    external: { appId: string; externalUserId: string },
    newUser: UserRecord,
    token: NewToken,
  ): Promise<{ userId: string; created: boolean }>
  /** Adds a token for an existing user; false when the user no longer exists. */
  createToken(userId: string, token: NewToken): Promise<boolean>
  /** The user's tokens that are neither revoked nor expired at `now`, oldest first. */
  listTokens(userId: string, now: number): Promise<TokenRecord[]>
  /** Erases the user, their tokens, their keys and their request-log rows (erasure means erasure). */
  deleteUser(userId: string): Promise<boolean>
  findToken(hash: Buffer): Promise<TokenRecord | undefined>
  /** Revokes the token and, transitively, every token minted from it (`NewToken.parentId`). */
  revokeToken(hash: Buffer, at: number): Promise<void>
  /**
   * Revokes the user's token with this public id and, transitively, every token minted from it; returns the
   * digest of the token named, or undefined if there is none to revoke.
   */
  revokeTokenById(userId: string, id: string, at: number): Promise<Buffer | undefined>
  /** Inserts or replaces the key for (user, provider). */
  putKey(key: KeyRecord): Promise<void>
  getKey(userId: string, provider: string): Promise<KeyRecord | undefined>
  listKeys(userId: string): Promise<KeyRecord[]>
  deleteKey(userId: string, provider: string): Promise<boolean>
  /**
   * Binds a base URL to a key stored without one (first use of a byok-relay style custom endpoint).
   * Atomic: returns the URL that is bound afterwards, which differs from `baseUrl` if another request won.
   */
  bindBaseUrl(userId: string, provider: string, baseUrl: string): Promise<string | null>
  /**
   * Stores a connect code and deletes every code expired at `now`, so the table holds about a minute's codes.
   * Nothing is stored when the code's token no longer exists (its exchange then finds no code).
   */
  putConnectCode(code: ConnectCodeRecord, now: number): Promise<void>
  /** Deletes the code and returns it, atomically: of two concurrent takes of one code, exactly one gets it. */
  takeConnectCode(digest: Buffer): Promise<ConnectCodeRecord | undefined>
  /**
   * Housekeeping (services/housekeeping.ts): deletes at most `limit` tokens expired or revoked before
   * `tokensBefore` (the connect codes they hold go with them), and at most `limit` rows of each budget and cap
   * counter table whose period started before `countersBefore` (a past period's counters are never read again).
   */
  purgeExpired(cutoffs: PurgeCutoffs): Promise<PurgeResult>
  /** Appends a log row; a row for a user who no longer exists is dropped. */
  logRequest(entry: RequestLogEntry): Promise<void>
  usage(scope: UsageScope, now: number): Promise<UsageSummary>
  /** Distinct key versions in use, checked against the keyring at start-up. */
  keyVersions(): Promise<string[]>
  /** A cheap round trip for health checks. */
  ping(): Promise<void>
  /**
   * Writes a consistent snapshot of the whole store to `destination` while it stays online (SQLite's online
   * backup API). `onProgress` gets the fraction done, 0..1.
   */
  backup(destination: string, onProgress?: (fraction: number) => void): Promise<void>
  close(): Promise<void>
}

export type BudgetPeriod = 'day' | 'month'

/** A spending cap the key owner set (issue 21). `provider` is a provider id, or `'*'` for all providers. */
export interface BudgetRecord {
  readonly id: string
  readonly userId: string
  readonly provider: string
  /** `total` only for a token's cap (`tokenId`). */
  readonly period: CapPeriod
  /** null = no cap on that counter. */
  readonly maxRequests: number | null
  readonly maxInputTokens: number | null
  readonly maxOutputTokens: number | null
  readonly createdAt: number
  readonly updatedAt: number
  /**
   * Set for a cap that is not a row of `budgets`: one the operator configured for this app (APP_BUDGETS_FILE),
   * or a token's cap (`tokenId`). Its counters are kept per (user, budget), with `userId` the calling user.
   */
  readonly appId?: string
  /** Set for a token's cap (`TokenCap`): the public id of the token that set it. */
  readonly tokenId?: string
}

/** One budget's counters for one period. */
export interface BudgetCounters {
  readonly requests: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/** What a reservation holds, so the settlement can correct exactly what was added. */
export interface BudgetReservation {
  /** `userId` is set for an app budget's entry (its counters are per user). */
  readonly entries: readonly {
    readonly budgetId: string
    readonly periodStart: number
    readonly userId?: string
  }[]
  readonly inputTokens: number
  readonly outputTokens: number
  /**
   * Set when `reserveBudgets` granted the block it was asked for (`lease`): added to every entry's counters on top
   * of this call, for the caller to spend locally and give back with `releaseBudgets`.
   */
  readonly lease?: BudgetCounters
}

/** Why a reservation was refused: the first budget whose cap is reached. */
export interface BudgetRefusal {
  readonly budget: BudgetRecord
  readonly counter: 'requests' | 'input_tokens' | 'output_tokens'
  readonly limit: number
  readonly used: number
  readonly periodStart: number
}

/** One row of the request log grouped by app, provider, model and UTC day. */
export interface DailyUsageRow {
  readonly appId: string
  readonly provider: string
  readonly model: string | null
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string
  readonly requests: number
  readonly errors: number
  readonly inputTokens: number
  readonly outputTokens: number
}

/** The most rows `Store.dailyUsage` returns. */
export const DAILY_USAGE_ROW_LIMIT = 10_000

export interface BudgetStore {
  listBudgets(userId: string): Promise<BudgetRecord[]>
  /** Inserts, or replaces the caps of the user's budget with the same provider and period; returns the stored row. */
  putBudget(budget: BudgetRecord): Promise<BudgetRecord>
  deleteBudget(userId: string, id: string): Promise<boolean>
  /** A budget's counters; with `userId`, those of an app budget or token cap (`BudgetRecord.appId`) for that user. */
  budgetCounters(budgetId: string, periodStart: number, userId?: string): Promise<BudgetCounters>
  /**
   * Atomically, against every other reservation on the same database, and durably before it resolves: refuses if
   * any budget's counters for its current period already reach a cap (requests: +1 would pass it), otherwise adds
   * one request and the token estimate to every budget. `periodStarts[i]` is the period start of `budgets[i]` at
   * the time of the call. (SQLite: the reservations of one event-loop turn share one immediate transaction.)
   *
   * With `lease`, it first tries to add the call and the block together, granted only if every capped counter
   * stays within its cap (the reservation then carries `lease`); when that does not fit, it checks the call alone
   * as above.
   */
  reserveBudgets(
    budgets: readonly BudgetRecord[],
    periodStarts: readonly number[],
    estimate: { inputTokens: number; outputTokens: number },
    lease?: BudgetCounters,
  ): Promise<{ ok: true; reservation: BudgetReservation } | { ok: false; refusal: BudgetRefusal }>
  /**
   * Gives back the unspent part of a lease (negative when the calls it admitted used more than it held); token
   * and request counters never go below zero. Written like a settlement.
   */
  releaseBudgets(entries: BudgetReservation['entries'], unused: BudgetCounters): Promise<void>
  /**
   * Replaces a reservation's token estimate with the tokens the call really used. It may be written later, but
   * before this store's next reservation is checked, before `budgetCounters` and `close` answer, and within
   * 100 ms (SQLite sums waiting settlements per counter row in memory).
   */
  settleBudgets(
    reservation: BudgetReservation,
    used: { inputTokens: number; outputTokens: number },
  ): Promise<void>
  /**
   * The request log grouped by app, provider, model and UTC day, for `[from, to)`; `userId` narrows it. At most
   * `limit` rows (default `DAILY_USAGE_ROW_LIMIT`), the earliest days first.
   */
  dailyUsage(range: { from: number; to: number; userId?: string; limit?: number }): Promise<DailyUsageRow[]>
}
