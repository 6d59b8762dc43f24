/**
 * Route schemas shared by the route families and read by the OpenAPI document (plugins/openapi.ts). Error
 * responses are generated from the catalogue in errors.ts, never copied, so the document cannot drift from it.
 */
import { ERRORS, type ErrorCode } from '../errors.js'

/** `$id` of the shared `{ error, code, hint? }` schema (SPEC §3.1); `code` is an enum of every catalogue code. */
const ERROR_BODY_ID = 'ErrorBody'

export const errorBodySchema = {
  $id: ERROR_BODY_ID,
  type: 'object',
  description:
    'Every error the relay itself sends (SPEC §3.1). Upstream provider errors pass through unchanged.',
  required: ['error', 'code'],
  additionalProperties: false,
  properties: {
    error: { type: 'string', description: 'Human-readable message' },
    code: { type: 'string', enum: Object.keys(ERRORS), description: 'Stable machine identifier' },
    hint: { type: 'string', description: 'What to do about it' },
  },
} as const

/** Errors any route can answer: an unexpected failure, or a request arriving while the relay shuts down. */
const ALWAYS: readonly ErrorCode[] = ['internal_error', 'unavailable']

function groupByStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const byStatus = new Map<number, ErrorCode[]>()
  for (const code of new Set([...codes, ...ALWAYS])) {
    const status = ERRORS[code].status
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  return byStatus
}

/**
 * Error responses for a JSON route, one per status, each naming its codes and serialised as `ErrorBody`.
 *
 * @example
 * schema: { response: { 200: okBody, ...errorResponses('token_missing', 'rate_limited') } }
 */
export function errorResponses(...codes: ErrorCode[]): Record<number, unknown> {
  const responses: Record<number, unknown> = {}
  for (const [status, group] of groupByStatus(codes)) {
    responses[status] = {
      description: `Error: ${group.map((c) => `\`${c}\``).join(', ')}`,
      content: { 'application/json': { schema: { $ref: `${ERROR_BODY_ID}#` } } },
    }
  }
  return responses
}

/**
 * Description-only error responses for routes that stream provider bodies: nothing is serialised through a
 * schema (an upstream status may coincide with one of ours and its body must pass untouched).
 */
export function describedErrors(...codes: ErrorCode[]): Record<number, unknown> {
  const responses: Record<number, unknown> = {}
  for (const [status, group] of groupByStatus(codes)) {
    responses[status] = {
      description: `Relay error as ${ERROR_BODY_ID}: ${group.map((c) => `\`${c}\``).join(', ')}; or the provider's own error with this status`,
    }
  }
  return responses
}

/** 401 codes of a token-authenticated route, and the 403 of a scoped token used from an origin it does not allow. */
export const TOKEN_ERRORS: readonly ErrorCode[] = [
  'token_missing',
  'token_invalid',
  'token_expired',
  'token_revoked',
  'token_scope_origin',
]

/** A route that takes only a full token (POST /users): scoped tokens get 403 `token_scope_forbidden`. */
export const FULL_TOKEN_ERRORS: readonly ErrorCode[] = [...TOKEN_ERRORS, 'token_scope_forbidden']

// Security requirement objects; the schemes are declared in plugins/openapi.ts.
type SecurityRequirement = Record<string, string[]>
export const TOKEN_SECURITY: SecurityRequirement[] = [{ relayToken: [] }]
/** SPEC §3.2: relay routes also take the token in the header each official SDK puts its key in. */
export const RELAY_SECURITY: SecurityRequirement[] = [
  { relayToken: [] },
  { bearerToken: [] },
  { apiKeyHeader: [] },
  { googApiKeyHeader: [] },
]
export const APP_SECRET_SECURITY: SecurityRequirement[] = [{ appSecret: [] }]

export const okBody = {
  type: 'object',
  required: ['ok'],
  additionalProperties: false,
  properties: { ok: { type: 'boolean', enum: [true] } },
} as const

/** A spending cap on one counter (budgets, token caps); null = no cap on it. */
export const capLimit = { type: ['integer', 'null'], minimum: 0, maximum: 1_000_000_000_000 } as const
