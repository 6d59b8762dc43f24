import type {
  BudgetRecord,
  BudgetReservation,
  ConnectCodeRecord,
  KeyRecord,
  TokenRecord,
  TokenScope,
} from './types.js'

/**
 * Rows as both stores return them (the same column names in SQLite and Postgres) and their records. Postgres
 * BIGINT columns arrive as numbers (see postgres-connect.ts), so one mapping serves both.
 */
export interface KeyRow {
  user_id: string
  provider: string
  key_version: string
  sealed: Buffer
  hint: string
  base_url: string | null
  created_at: number
  updated_at: number
}

export function toKey(row: KeyRow): KeyRecord {
  return {
    userId: row.user_id,
    provider: row.provider,
    keyVersion: row.key_version,
    sealed: row.sealed,
    hint: row.hint,
    baseUrl: row.base_url,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** A token joined with its user's app. */
export interface TokenRecordRow {
  hash: Buffer
  id: string
  user_id: string
  app_id: string
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  scope: string | null
}

export function toToken(row: TokenRecordRow): TokenRecord {
  return {
    hash: row.hash,
    id: row.id,
    userId: row.user_id,
    appId: row.app_id,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    scope: row.scope === null ? null : (JSON.parse(row.scope) as TokenScope),
  }
}

export interface BudgetRow {
  id: string
  user_id: string
  provider: string
  period: 'day' | 'month'
  max_requests: number | null
  max_input_tokens: number | null
  max_output_tokens: number | null
  created_at: number
  updated_at: number
}

export function toBudget(row: BudgetRow): BudgetRecord {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    period: row.period,
    maxRequests: row.max_requests,
    maxInputTokens: row.max_input_tokens,
    maxOutputTokens: row.max_output_tokens,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export interface ConnectCodeRow {
  digest: Buffer
  token_hash: Buffer
  provider: string
  redirect_uri: string
  origin: string
  challenge: string
  expires_at: number
}

export function toConnectCode(row: ConnectCodeRow): ConnectCodeRecord {
  return {
    digest: row.digest,
    tokenHash: row.token_hash,
    provider: row.provider,
    redirectUri: row.redirect_uri,
    origin: row.origin,
    challenge: row.challenge,
    expiresAt: row.expires_at,
  }
}

/** The counter row a budget counts against in a period: an app budget's is the calling user's (migration 5). */
export function budgetEntry(budget: BudgetRecord, periodStart: number): BudgetReservation['entries'][number] {
  return budget.appId === undefined
    ? { budgetId: budget.id, periodStart }
    : { budgetId: budget.id, periodStart, userId: budget.userId }
}
