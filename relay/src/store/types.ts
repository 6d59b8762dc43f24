/**
 * Persistence behind an interface (SPEC §3.8), so a networked database can replace SQLite without touching
 * routes. Methods are async for that reason even though the SQLite implementation is synchronous underneath.
 */
export interface UserRecord {
  readonly id: string
  readonly appId: string
  readonly createdAt: number
}

export interface TokenRecord {
  readonly hash: Buffer
  readonly userId: string
  readonly appId: string
  readonly createdAt: number
  /** Epoch ms, or null when tokens never expire. */
  readonly expiresAt: number | null
  readonly revokedAt: number | null
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

export interface Store {
  /** Creates the user and their first token atomically. */
  createUser(
    user: UserRecord,
    token: { hash: Buffer; createdAt: number; expiresAt: number | null },
  ): Promise<void>
  /** Erases the user, their tokens and their keys. */
  deleteUser(userId: string): Promise<boolean>
  findToken(hash: Buffer): Promise<TokenRecord | undefined>
  revokeToken(hash: Buffer, at: number): Promise<void>
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
  logRequest(entry: RequestLogEntry): Promise<void>
  usageByUser(userId: string): Promise<UsageRow[]>
  usageByApp(appId: string): Promise<UsageRow[]>
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
