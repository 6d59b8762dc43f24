import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { MIGRATIONS, SchemaTooNewError } from './migrations.js'
import {
  type ConnectCodeRow,
  type KeyRow,
  type TokenRecordRow,
  toConnectCode,
  toKey,
  toToken,
} from './rows.js'
import { prepareBudgetStore } from './sqlite-budgets.js'
import {
  type ConnectCodeRecord,
  type NewToken,
  type RequestLogEntry,
  type Store,
  TOP_MODEL_LIMIT,
  USAGE_ROW_LIMIT,
  type UsageRow,
  type UsageSummary,
  type UserRecord,
} from './types.js'

/** Runs the forward migrations; `dryRun` only checks that the schema is not newer than this relay. */
function migrate(db: Database.Database, options: { dryRun?: boolean } = {}): void {
  const version = () => db.pragma('user_version', { simple: true }) as number
  const latest = MIGRATIONS.at(-1)?.version ?? 0
  if (version() > latest) {
    throw new SchemaTooNewError(
      `database schema version ${version()} is newer than this relay understands (${latest}); upgrade byok`,
    )
  }
  if (options.dryRun) return
  for (const migration of MIGRATIONS) {
    // The version is read again under the write lock: another relay opening the same file may have applied
    // this migration since.
    writeTransaction(db, () => {
      if (version() >= migration.version) return
      db.exec(migration.sqlite)
      db.pragma(`user_version = ${migration.version}`)
    })()
  }
}

/**
 * A transaction that takes the write lock at BEGIN (IMMEDIATE). Every one of ours that writes must: a deferred
 * transaction that reads first fails at once with SQLITE_BUSY (busy_timeout is not consulted) when another
 * process sharing the file writes between its read and its write — `byok start --workers`, or several relays
 * on one file.
 */
function writeTransaction<A extends unknown[], R>(
  db: Database.Database,
  fn: (...args: A) => R,
): (...args: A) => R {
  return db.transaction(fn).immediate
}

/**
 * The default store: one SQLite file in WAL mode. `path` may be `:memory:` for tests. `readOnly` opens an
 * existing relay database without creating, migrating or writing anything (backup and restore checks); it
 * refuses a file that holds no relay schema.
 *
 * @example
 * const store = openSqliteStore('./data/relay.db')
 */
export function openSqliteStore(path: string, options: { readOnly?: boolean } = {}): Store {
  const readOnly = options.readOnly === true
  if (path !== ':memory:' && !readOnly) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // Create the file owner-only before SQLite opens it: the -wal and -shm files inherit its mode.
    closeSync(openSync(path, 'a', 0o600))
  }
  const db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {})
  try {
    // First, so that every later statement (switching to WAL included) waits for a lock another process holds
    // (workers of `byok start --workers`, several relays on one file) instead of failing with SQLITE_BUSY.
    db.pragma('busy_timeout = 5000')
    if (readOnly) {
      const version = db.pragma('user_version', { simple: true }) as number
      if (version === 0) throw new Error('not a byok relay database (no schema version)')
      migrate(db, { dryRun: true })
    } else {
      db.pragma('journal_mode = WAL')
      // NORMAL in WAL mode survives a process crash (kill -9); only power loss can drop the last commits.
      db.pragma('synchronous = NORMAL')
    }
    db.pragma('foreign_keys = ON')
    // Deleted keys are overwritten with zeros instead of lingering in free pages.
    db.pragma('secure_delete = ON')
    if (!readOnly) migrate(db)
  } catch (error) {
    db.close()
    throw error
  }

  // A read-only open (backup checks, `byok usage`) may meet an older schema: statements for columns and tables it
  // lacks are prepared on first use, so only a call that needs them fails.
  const prepare = readOnly ? lazyPrepare(db) : db.prepare.bind(db)
  // The token and every token minted from it, however deep (UNION: a row is visited once).
  const revokeTree = prepare<[{ at: number; hash: Buffer }]>(
    `WITH RECURSIVE tree (id) AS (
       SELECT id FROM tokens WHERE hash = @hash
       UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_id = tree.id
     )
     UPDATE tokens SET revoked_at = @at WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL`,
  )
  const revokeToken = { run: (at: number, hash: Buffer) => revokeTree.run({ at, hash }) }
  const insertUser = prepare('INSERT INTO users (id, app_id, created_at) VALUES (?, ?, ?)')
  const insertToken = prepare<[string, TokenRow]>(
    `INSERT INTO tokens (hash, id, user_id, created_at, expires_at, revoked_at, scope, parent_id)
     VALUES (@hash, @id, ?, @createdAt, @expiresAt, NULL, @scope, @parentId)`,
  )
  const userExists = prepare<[string], { one: number }>('SELECT 1 AS one FROM users WHERE id = ?')
  const addToken = (userId: string, token: NewToken) =>
    insertToken.run(userId, {
      hash: token.hash,
      id: token.id ?? randomBytes(16).toString('hex'),
      createdAt: token.createdAt,
      expiresAt: token.expiresAt,
      scope: token.scope ? JSON.stringify(token.scope) : null,
      parentId: token.parentId ?? null,
    })
  const createUser = writeTransaction(db, (user: UserRecord, token: NewToken) => {
    insertUser.run(user.id, user.appId, user.createdAt)
    addToken(user.id, token)
  })
  const findExternal = prepare<[string, string], { user_id: string }>(
    'SELECT user_id FROM external_users WHERE app_id = ? AND external_user_id = ?',
  )
  const insertExternal = prepare(
    'INSERT INTO external_users (app_id, external_user_id, user_id, created_at) VALUES (?, ?, ?, ?)',
  )
  const issueExternal = writeTransaction(
    db,
    (external: { appId: string; externalUserId: string }, newUser: UserRecord, token: NewToken) => {
      const existing = findExternal.get(external.appId, external.externalUserId)?.user_id
      if (existing !== undefined) {
        addToken(existing, token)
        return { userId: existing, created: false }
      }
      insertUser.run(newUser.id, newUser.appId, newUser.createdAt)
      insertExternal.run(external.appId, external.externalUserId, newUser.id, newUser.createdAt)
      addToken(newUser.id, token)
      return { userId: newUser.id, created: true }
    },
  )
  const createToken = writeTransaction(db, (userId: string, token: NewToken) => {
    if (!userExists.get(userId)) return false
    addToken(userId, token)
    return true
  })
  const listTokens = prepare<[string, number], TokenRecordRow>(
    `SELECT t.hash, t.id, t.user_id, u.app_id, t.created_at, t.expires_at, t.revoked_at, t.scope
       FROM tokens t JOIN users u ON u.id = t.user_id
      WHERE t.user_id = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)
      ORDER BY t.created_at, t.id`,
  )
  const findTokenById = prepare<[string, string], { hash: Buffer }>(
    'SELECT hash FROM tokens WHERE user_id = ? AND id = ? AND revoked_at IS NULL',
  )
  const revokeTokenById = writeTransaction(db, (userId: string, id: string, at: number) => {
    const row = findTokenById.get(userId, id)
    if (!row) return undefined
    revokeToken.run(at, row.hash)
    return row.hash
  })
  const deleteUserRow = prepare('DELETE FROM users WHERE id = ?')
  const deleteUserLog = prepare('DELETE FROM request_log WHERE user_id = ?')
  const findToken = prepare<[Buffer], TokenRecordRow>(
    `SELECT t.hash, t.id, t.user_id, u.app_id, t.created_at, t.expires_at, t.revoked_at, t.scope
       FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`,
  )
  const putKey = prepare(
    `INSERT INTO keys (user_id, provider, key_version, sealed, hint, base_url, created_at, updated_at)
     VALUES (@userId, @provider, @keyVersion, @sealed, @hint, @baseUrl, @createdAt, @updatedAt)
     ON CONFLICT (user_id, provider) DO UPDATE SET
       key_version = excluded.key_version, sealed = excluded.sealed, hint = excluded.hint,
       base_url = excluded.base_url, updated_at = excluded.updated_at`,
  )
  const getKey = prepare<[string, string], KeyRow>('SELECT * FROM keys WHERE user_id = ? AND provider = ?')
  const listKeys = prepare<[string], KeyRow>('SELECT * FROM keys WHERE user_id = ? ORDER BY provider')
  const deleteKey = prepare('DELETE FROM keys WHERE user_id = ? AND provider = ?')
  const keyVersions = prepare<[], { key_version: string }>('SELECT DISTINCT key_version FROM keys')
  const ping = prepare('SELECT 1')
  const bindBaseUrl = prepare(
    'UPDATE keys SET base_url = ? WHERE user_id = ? AND provider = ? AND base_url IS NULL',
  )
  const boundBaseUrl = prepare<[string, string], { base_url: string | null }>(
    'SELECT base_url FROM keys WHERE user_id = ? AND provider = ?',
  )
  const purgeConnectCodes = prepare('DELETE FROM connect_codes WHERE expires_at <= ?')
  const insertConnectCode = prepare<[ConnectCodeRecord]>(
    `INSERT INTO connect_codes (digest, token_hash, provider, redirect_uri, origin, challenge, expires_at)
     SELECT @digest, @tokenHash, @provider, @redirectUri, @origin, @challenge, @expiresAt
      WHERE EXISTS (SELECT 1 FROM tokens WHERE hash = @tokenHash)`,
  )
  const putConnectCode = writeTransaction(db, (code: ConnectCodeRecord, now: number) => {
    purgeConnectCodes.run(now)
    insertConnectCode.run(code)
  })
  const purgeTokens = prepare<[number, number, number]>(
    `DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE expires_at < ? OR revoked_at < ? LIMIT ?)`,
  )
  const purgeBudgetCounters = prepare<[number, number]>(
    `DELETE FROM budget_usage WHERE (budget_id, period_start) IN
       (SELECT budget_id, period_start FROM budget_usage WHERE period_start < ? LIMIT ?)`,
  )
  const purgeAppCounters = prepare<[number, number]>(
    `DELETE FROM app_budget_usage WHERE (user_id, budget_id, period_start) IN
       (SELECT user_id, budget_id, period_start FROM app_budget_usage WHERE period_start < ? LIMIT ?)`,
  )
  const takeConnectCode = prepare<[Buffer], ConnectCodeRow>(
    'DELETE FROM connect_codes WHERE digest = ? RETURNING *',
  )
  // A call still streaming when its user was erased finishes later: its row must not bring the user back.
  const logRequest = prepare(
    `INSERT INTO request_log (at, user_id, app_id, provider, model, status, latency_ms, input_tokens, output_tokens)
     SELECT @at, @userId, @appId, @provider, @model, @status, @latencyMs, @inputTokens, @outputTokens
      WHERE EXISTS (SELECT 1 FROM users WHERE id = @userId)`,
  )
  // The log is written in batches: one transaction per 100 ms instead of one per relay call, which kept the
  // hot path's SQLite cost per request an order of magnitude lower. A crash loses at most that last batch of
  // metadata; keys and tokens are written synchronously.
  const pendingLog: RequestLogEntry[] = []
  let flushTimer: NodeJS.Timeout | undefined
  const writeLog = writeTransaction(db, (entries: RequestLogEntry[]) => {
    for (const entry of entries) logRequest.run(entry)
  })
  function flushLog(): void {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    if (pendingLog.length > 0 && db.open) writeLog(pendingLog.splice(0))
  }
  const usage = { user: prepareUsage(db, 'user_id'), app: prepareUsage(db, 'app_id') }
  const deleteUser = writeTransaction(db, (userId: string) => {
    deleteUserLog.run(userId)
    return deleteUserRow.run(userId).changes > 0
  })

  const budgets = prepareBudgetStore(db, flushLog)

  return {
    ...budgets.store,
    async createUser(user, token) {
      createUser(user, token)
    },
    async issueExternalUserToken(external, newUser, token) {
      return issueExternal(external, newUser, token)
    },
    async createToken(userId, token) {
      return createToken(userId, token)
    },
    async listTokens(userId, now) {
      return listTokens.all(userId, now).map(toToken)
    },
    async revokeTokenById(userId, id, at) {
      return revokeTokenById(userId, id, at)
    },
    async deleteUser(userId) {
      // Rows still waiting in the batch are written first, so the delete below erases them too.
      flushLog()
      return deleteUser(userId)
    },
    async findToken(hash) {
      const row = findToken.get(hash)
      return row && toToken(row)
    },
    async revokeToken(hash, at) {
      revokeToken.run(at, hash)
    },
    async putKey(key) {
      putKey.run(key)
    },
    async getKey(userId, provider) {
      const row = getKey.get(userId, provider)
      return row && toKey(row)
    },
    async listKeys(userId) {
      return listKeys.all(userId).map(toKey)
    },
    async deleteKey(userId, provider) {
      return deleteKey.run(userId, provider).changes > 0
    },
    async bindBaseUrl(userId, provider, baseUrl) {
      bindBaseUrl.run(baseUrl, userId, provider)
      return boundBaseUrl.get(userId, provider)?.base_url ?? null
    },
    async putConnectCode(code, now) {
      putConnectCode(code, now)
    },
    async takeConnectCode(digest) {
      const row = takeConnectCode.get(digest)
      return row && toConnectCode(row)
    },
    async purgeExpired({ tokensBefore, countersBefore, limit }) {
      // One statement each, each its own short write: the relay's own writes wait for one batch at most.
      const tokens = purgeTokens.run(tokensBefore, tokensBefore, limit).changes
      const counters =
        purgeBudgetCounters.run(countersBefore, limit).changes +
        purgeAppCounters.run(countersBefore, limit).changes
      return { tokens, counters }
    },
    async logRequest(entry) {
      pendingLog.push(entry)
      if (pendingLog.length >= 512) flushLog()
      else if (!flushTimer) {
        flushTimer = setTimeout(flushLog, 100)
        flushTimer.unref()
      }
    },
    async usage(scope, now) {
      flushLog()
      return 'userId' in scope ? usage.user(scope.userId, now) : usage.app(scope.appId, now)
    },
    async keyVersions() {
      return keyVersions.all().map((r) => r.key_version)
    },
    async backup(destination, onProgress) {
      // SQLite's online backup API. A write by another connection between two steps restarts the copy from
      // page 1 at the next step, so under steady writes small steps may never finish. After the first step
      // (100 pages) every step asks for the whole database: a restart then completes within that one step,
      // inside one read transaction. In WAL mode that blocks no writer; it holds this event loop for the copy
      // (about a second per GB), which is why the CLI, not the relay, runs it.
      await db.backup(destination, {
        progress: ({ totalPages, remainingPages }) => {
          onProgress?.(totalPages === 0 ? 1 : (totalPages - remainingPages) / totalPages)
          return Math.max(totalPages, 1)
        },
      })
      onProgress?.(1)
    },
    async ping() {
      ping.get()
    },
    async close() {
      flushLog()
      budgets.flush()
      if (db.open) db.close()
    },
  }
}

interface TokenRow {
  hash: Buffer
  id: string
  createdAt: number
  expiresAt: number | null
  scope: string | null
  parentId: string | null
}

const DAY_MS = 86_400_000

/** The statements behind `Store.usage`, for one scope column; every list they return is bounded. */
function prepareUsage(
  db: Database.Database,
  column: 'user_id' | 'app_id',
): (id: string, now: number) => UsageSummary {
  const totals = db.prepare<
    [number, number, string],
    {
      requests: number
      errors: number | null
      inputTokens: number
      outputTokens: number
      last7d: number | null
      last30d: number | null
      lastRequestAt: number | null
      users: number
    }
  >(
    `SELECT COUNT(*) AS requests, SUM(status >= 400) AS errors,
            COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens,
            SUM(at >= ?) AS last7d, SUM(at >= ?) AS last30d, MAX(at) AS lastRequestAt,
            COUNT(DISTINCT user_id) AS users
       FROM request_log WHERE ${column} = ?`,
  )
  const byProvider = db.prepare<[string], { provider: string; requests: number; errors: number }>(
    `SELECT provider, COUNT(*) AS requests, SUM(status >= 400) AS errors
       FROM request_log WHERE ${column} = ? GROUP BY provider ORDER BY provider`,
  )
  const byModel = db.prepare<[string, number], UsageRow>(
    `SELECT * FROM (
       SELECT provider, model, COUNT(*) AS requests, SUM(status >= 400) AS errors,
              COALESCE(SUM(input_tokens), 0) AS inputTokens, COALESCE(SUM(output_tokens), 0) AS outputTokens
         FROM request_log WHERE ${column} = ? GROUP BY provider, model ORDER BY requests DESC LIMIT ?
     ) ORDER BY provider, model`,
  )
  const topModels = db.prepare<[string, number], { model: string; requests: number }>(
    `SELECT model, COUNT(*) AS requests FROM request_log WHERE ${column} = ? AND model IS NOT NULL
      GROUP BY model ORDER BY requests DESC, model LIMIT ?`,
  )
  return (id, now) => {
    const t = totals.get(now - 7 * DAY_MS, now - 30 * DAY_MS, id)!
    return {
      requests: t.requests,
      errors: t.errors ?? 0,
      inputTokens: t.inputTokens,
      outputTokens: t.outputTokens,
      last7d: t.last7d ?? 0,
      last30d: t.last30d ?? 0,
      lastRequestAt: t.lastRequestAt,
      users: t.users,
      byProvider: byProvider.all(id),
      byModel: byModel.all(id, USAGE_ROW_LIMIT),
      topModels: topModels.all(id, TOP_MODEL_LIMIT),
    }
  }
}

/** `db.prepare` that compiles each statement on its first use. */
function lazyPrepare(db: Database.Database): Database.Database['prepare'] {
  return ((sql: string) => {
    let statement: Database.Statement | undefined
    const compiled = () => (statement ??= db.prepare(sql))
    return new Proxy({} as Database.Statement, {
      get(_target, property) {
        const value: unknown = Reflect.get(compiled(), property)
        return typeof value === 'function' ? value.bind(compiled()) : value
      },
    })
  }) as Database.Database['prepare']
}
