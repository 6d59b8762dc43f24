import { randomBytes } from 'node:crypto'
import type pg from 'pg'
import { createPostgresBudgetStore } from './postgres-budgets.js'
import { connectPool, inTransaction, migratePostgres } from './postgres-connect.js'
import {
  type ConnectCodeRow,
  type KeyRow,
  type TokenRecordRow,
  toConnectCode,
  toKey,
  toToken,
} from './rows.js'
import {
  type NewToken,
  type RequestLogEntry,
  type Store,
  TOP_MODEL_LIMIT,
  USAGE_ROW_LIMIT,
  type UsageRow,
  type UsageSummary,
} from './types.js'

const TOKEN_COLUMNS = 't.hash, t.id, t.user_id, u.app_id, t.created_at, t.expires_at, t.revoked_at, t.scope'
const FOREIGN_KEY_VIOLATION = '23503'
// Advisory-lock namespace (first key) for first logins (`issueExternalUserToken`).
const EXTERNAL_LOCK_CLASS = 0x62796f6b
const DAY_MS = 86_400_000
/** Queued log rows kept across a failed flush (Postgres restarting); beyond this the oldest are dropped. */
const MAX_PENDING_LOG = 10_000

/**
 * The shared store for several relay instances (`DATABASE_URL=postgres://…`): a connection pool, the same
 * migrations as SQLite in Postgres's dialect (applied under an advisory lock), and the same sealed bytes.
 * Text is ordered with `COLLATE "C"` (byte order, like SQLite) whatever the database's locale.
 *
 * @example
 * const store = await openPostgresStore('postgres://byok:secret@127.0.0.1:5432/byok')
 */
export async function openPostgresStore(
  url: string,
  options: { maxConnections?: number } = {},
): Promise<Store> {
  const pool = await connectPool(url, { max: options.maxConnections })
  try {
    await migratePostgres(pool)
  } catch (error) {
    await pool.end()
    throw error
  }
  return createPostgresStore(pool)
}

function createPostgresStore(pool: pg.Pool): Store {
  const query = <R extends pg.QueryResultRow>(sql: string, values?: unknown[]) => pool.query<R>(sql, values)
  const insertToken = (db: pg.Pool | pg.PoolClient, userId: string, token: NewToken) =>
    db.query(
      `INSERT INTO tokens (hash, id, user_id, created_at, expires_at, revoked_at, scope, parent_id)
       VALUES ($1, $2, $3, $4, $5, NULL, $6, $7)`,
      [
        token.hash,
        token.id ?? randomBytes(16).toString('hex'),
        userId,
        token.createdAt,
        token.expiresAt,
        token.scope ? JSON.stringify(token.scope) : null,
        token.parentId ?? null,
      ],
    )
  const insertUser = (db: pg.PoolClient, user: { id: string; appId: string; createdAt: number }) =>
    db.query('INSERT INTO users (id, app_id, created_at) VALUES ($1, $2, $3)', [
      user.id,
      user.appId,
      user.createdAt,
    ])

  // The log is written in batches, as in the SQLite store: one multi-row INSERT per 100 ms instead of one round
  // trip per relay call. A crash loses at most that batch of metadata; keys and tokens are written at once.
  const pendingLog: RequestLogEntry[] = []
  let flushTimer: NodeJS.Timeout | undefined
  let flushing: Promise<void> = Promise.resolve()
  let closed = false
  // Each flush runs after the previous one and takes the rows queued by then, so a caller that awaits it (usage,
  // deleteUser, close) sees every row logged before its call, including rows a failed flush put back.
  function flushLog(): Promise<void> {
    if (flushTimer) clearTimeout(flushTimer)
    flushTimer = undefined
    flushing = flushing.then(async () => {
      const batch = pendingLog.splice(0)
      if (batch.length === 0) return
      await writeLog(batch).catch(() => {
        // Postgres unreachable for a moment: keep the rows for the next flush, bounded (the oldest go first).
        pendingLog.unshift(...batch.slice(Math.max(0, batch.length + pendingLog.length - MAX_PENDING_LOG)))
        scheduleFlush()
      })
    })
    return flushing
  }
  function scheduleFlush(): void {
    if (flushTimer || closed) return
    flushTimer = setTimeout(() => void flushLog(), 100)
    flushTimer.unref()
  }
  // A call still streaming when its user was erased finishes later: its row must not bring the user back.
  const writeLog = async (entries: RequestLogEntry[]) => {
    await query(
      `INSERT INTO request_log (at, user_id, app_id, provider, model, status, latency_ms, input_tokens, output_tokens)
       SELECT l.* FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[],
                              $8::bigint[], $9::bigint[])
                AS l(at, user_id, app_id, provider, model, status, latency_ms, input_tokens, output_tokens)
        WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = l.user_id)`,
      [
        entries.map((e) => e.at),
        entries.map((e) => e.userId),
        entries.map((e) => e.appId),
        entries.map((e) => e.provider),
        entries.map((e) => e.model),
        entries.map((e) => e.status),
        entries.map((e) => e.latencyMs),
        entries.map((e) => e.inputTokens),
        entries.map((e) => e.outputTokens),
      ],
    )
  }

  return {
    ...createPostgresBudgetStore(pool, flushLog),
    async createUser(user, token) {
      await inTransaction(pool, async (db) => {
        await insertUser(db, user)
        await insertToken(db, user.id, token)
      })
    },
    async issueExternalUserToken(external, newUser, token) {
      return inTransaction(pool, async (db) => {
        // Two first logins of one account at once: the second waits here until the first commits, then finds
        // its user. The lock is released with the transaction.
        await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
          EXTERNAL_LOCK_CLASS,
          `${external.appId}\n${external.externalUserId}`,
        ])
        const found = await db.query<{ user_id: string }>(
          'SELECT user_id FROM external_users WHERE app_id = $1 AND external_user_id = $2',
          [external.appId, external.externalUserId],
        )
        const existing = found.rows[0]?.user_id
        if (existing !== undefined) {
          await insertToken(db, existing, token)
          return { userId: existing, created: false }
        }
        await insertUser(db, newUser)
        await db.query(
          'INSERT INTO external_users (app_id, external_user_id, user_id, created_at) VALUES ($1, $2, $3, $4)',
          [external.appId, external.externalUserId, newUser.id, newUser.createdAt],
        )
        await insertToken(db, newUser.id, token)
        return { userId: newUser.id, created: true }
      })
    },
    async createToken(userId, token) {
      try {
        await insertToken(pool, userId, token)
        return true
      } catch (error) {
        // The user is gone (or was erased while this ran): the foreign key says so atomically.
        if ((error as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false
        throw error
      }
    },
    async listTokens(userId, now) {
      const result = await query<TokenRecordRow>(
        `SELECT ${TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id
          WHERE t.user_id = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)
          ORDER BY t.created_at, t.id COLLATE "C"`,
        [userId, now],
      )
      return result.rows.map(toToken)
    },
    async revokeTokenById(userId, id, at) {
      const result = await query<{ hash: Buffer }>(
        `WITH RECURSIVE tree (id) AS (
           SELECT id FROM tokens WHERE user_id = $1 AND id = $2 AND revoked_at IS NULL
           UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_id = tree.id
         ),
         revoked AS (
           UPDATE tokens SET revoked_at = $3 WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL RETURNING id, hash
         )
         SELECT hash FROM revoked WHERE id = $2`,
        [userId, id, at],
      )
      return result.rows[0]?.hash
    },
    async deleteUser(userId) {
      // Rows still waiting in the batch are written first, so the delete below erases them too.
      await flushLog()
      return inTransaction(pool, async (db) => {
        await db.query('DELETE FROM request_log WHERE user_id = $1', [userId])
        return ((await db.query('DELETE FROM users WHERE id = $1', [userId])).rowCount ?? 0) > 0
      })
    },
    async findToken(hash) {
      const result = await query<TokenRecordRow>(
        `SELECT ${TOKEN_COLUMNS} FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = $1`,
        [hash],
      )
      const row = result.rows[0]
      return row && toToken(row)
    },
    // The token and every token minted from it, however deep (UNION: a row is visited once).
    async revokeToken(hash, at) {
      await query(
        `WITH RECURSIVE tree (id) AS (
           SELECT id FROM tokens WHERE hash = $2
           UNION SELECT t.id FROM tokens t JOIN tree ON t.parent_id = tree.id
         )
         UPDATE tokens SET revoked_at = $1 WHERE id IN (SELECT id FROM tree) AND revoked_at IS NULL`,
        [at, hash],
      )
    },
    async putKey(key) {
      await query(
        `INSERT INTO keys (user_id, provider, key_version, sealed, hint, base_url, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (user_id, provider) DO UPDATE SET
           key_version = excluded.key_version, sealed = excluded.sealed, hint = excluded.hint,
           base_url = excluded.base_url, updated_at = excluded.updated_at`,
        [
          key.userId,
          key.provider,
          key.keyVersion,
          key.sealed,
          key.hint,
          key.baseUrl,
          key.createdAt,
          key.updatedAt,
        ],
      )
    },
    async getKey(userId, provider) {
      const result = await query<KeyRow>('SELECT * FROM keys WHERE user_id = $1 AND provider = $2', [
        userId,
        provider,
      ])
      const row = result.rows[0]
      return row && toKey(row)
    },
    async listKeys(userId) {
      const result = await query<KeyRow>(
        'SELECT * FROM keys WHERE user_id = $1 ORDER BY provider COLLATE "C"',
        [userId],
      )
      return result.rows.map(toKey)
    },
    async deleteKey(userId, provider) {
      const result = await query('DELETE FROM keys WHERE user_id = $1 AND provider = $2', [userId, provider])
      return (result.rowCount ?? 0) > 0
    },
    async bindBaseUrl(userId, provider, baseUrl) {
      // A concurrent bind waits on the row lock, then re-checks `base_url IS NULL` and updates nothing; the
      // read after it sees the winner's URL.
      const bound = await query<{ base_url: string }>(
        `UPDATE keys SET base_url = $1 WHERE user_id = $2 AND provider = $3 AND base_url IS NULL
         RETURNING base_url`,
        [baseUrl, userId, provider],
      )
      if (bound.rows[0]) return bound.rows[0].base_url
      const current = await query<{ base_url: string | null }>(
        'SELECT base_url FROM keys WHERE user_id = $1 AND provider = $2',
        [userId, provider],
      )
      return current.rows[0]?.base_url ?? null
    },
    async putConnectCode(code, now) {
      try {
        await query(
          `WITH purged AS (DELETE FROM connect_codes WHERE expires_at <= $8)
         INSERT INTO connect_codes (digest, token_hash, provider, redirect_uri, origin, challenge, expires_at)
         SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM tokens WHERE hash = $2)`,
          [
            code.digest,
            code.tokenHash,
            code.provider,
            code.redirectUri,
            code.origin,
            code.challenge,
            code.expiresAt,
            now,
          ],
        )
      } catch (error) {
        // The token went (its user erased) between the check and the insert: nothing to store.
        if ((error as { code?: string }).code !== FOREIGN_KEY_VIOLATION) throw error
      }
    },
    async purgeExpired({ tokensBefore, countersBefore, limit }) {
      const deleted = async (sql: string, values: unknown[]) => (await query(sql, values)).rowCount ?? 0
      const tokens = await deleted(
        `DELETE FROM tokens WHERE hash IN
           (SELECT hash FROM tokens WHERE expires_at < $1 OR revoked_at < $1 LIMIT $2)`,
        [tokensBefore, limit],
      )
      const budgetCounters = await deleted(
        `DELETE FROM budget_usage WHERE (budget_id, period_start) IN
           (SELECT budget_id, period_start FROM budget_usage WHERE period_start < $1 LIMIT $2)`,
        [countersBefore, limit],
      )
      const appCounters = await deleted(
        `DELETE FROM app_budget_usage WHERE (user_id, budget_id, period_start) IN
           (SELECT user_id, budget_id, period_start FROM app_budget_usage WHERE period_start < $1 LIMIT $2)`,
        [countersBefore, limit],
      )
      return { tokens, counters: budgetCounters + appCounters }
    },
    async takeConnectCode(digest) {
      // Two exchanges of one code: the second DELETE waits for the first's row lock, then finds no row.
      const result = await query<ConnectCodeRow>('DELETE FROM connect_codes WHERE digest = $1 RETURNING *', [
        digest,
      ])
      const row = result.rows[0]
      return row && toConnectCode(row)
    },
    async logRequest(entry) {
      pendingLog.push(entry)
      if (pendingLog.length >= 512) void flushLog()
      else scheduleFlush()
    },
    async usage(scope, now) {
      await flushLog()
      return 'userId' in scope
        ? readUsage(pool, 'user_id', scope.userId, now)
        : readUsage(pool, 'app_id', scope.appId, now)
    },
    async keyVersions() {
      const result = await query<{ key_version: string }>('SELECT DISTINCT key_version FROM keys')
      return result.rows.map((r) => r.key_version)
    },
    async ping() {
      await query('SELECT 1')
    },
    async backup() {
      throw new Error(
        'a Postgres store is backed up with pg_dump (e.g. `pg_dump --format=custom "$DATABASE_URL" > relay.dump`), not byok backup',
      )
    },
    async close() {
      await flushLog()
      closed = true
      if (flushTimer) clearTimeout(flushTimer)
      await pool.end()
    },
  }
}

/** `Store.usage` for one scope column; every list it returns is bounded. */
async function readUsage(
  pool: pg.Pool,
  column: 'user_id' | 'app_id',
  id: string,
  now: number,
): Promise<UsageSummary> {
  const errors = 'count(*) FILTER (WHERE status >= 400)'
  const [totals, byProvider, byModel, topModels] = await Promise.all([
    pool.query<Omit<UsageSummary, 'byProvider' | 'byModel' | 'topModels'>>(
      `SELECT count(*) AS requests, ${errors} AS errors,
              COALESCE(sum(input_tokens), 0) AS "inputTokens", COALESCE(sum(output_tokens), 0) AS "outputTokens",
              count(*) FILTER (WHERE at >= $1) AS "last7d", count(*) FILTER (WHERE at >= $2) AS "last30d",
              max(at) AS "lastRequestAt", count(DISTINCT user_id) AS users
         FROM request_log WHERE ${column} = $3`,
      [now - 7 * DAY_MS, now - 30 * DAY_MS, id],
    ),
    pool.query<UsageSummary['byProvider'][number]>(
      `SELECT provider, count(*) AS requests, ${errors} AS errors
         FROM request_log WHERE ${column} = $1 GROUP BY provider ORDER BY provider COLLATE "C"`,
      [id],
    ),
    pool.query<UsageRow>(
      `SELECT * FROM (
         SELECT provider, model, count(*) AS requests, ${errors} AS errors,
                COALESCE(sum(input_tokens), 0) AS "inputTokens", COALESCE(sum(output_tokens), 0) AS "outputTokens"
           FROM request_log WHERE ${column} = $1 GROUP BY provider, model ORDER BY requests DESC LIMIT $2
       ) busiest ORDER BY provider COLLATE "C", model COLLATE "C" NULLS FIRST`,
      [id, USAGE_ROW_LIMIT],
    ),
    pool.query<{ model: string; requests: number }>(
      `SELECT model, count(*) AS requests FROM request_log WHERE ${column} = $1 AND model IS NOT NULL
        GROUP BY model ORDER BY requests DESC, model COLLATE "C" LIMIT $2`,
      [id, TOP_MODEL_LIMIT],
    ),
  ])
  const t = totals.rows[0]!
  return { ...t, byProvider: byProvider.rows, byModel: byModel.rows, topModels: topModels.rows }
}
