/**
 * The wire-error catalogue (SPEC §3.1). Every error the relay sends is one of these codes, serialised as
 * `{ error, code, hint? }`; `error` is the human message so clients written for byok-relay keep working.
 */
export const ERRORS = {
  token_missing: {
    status: 401,
    message: 'Missing relay token',
    hint: 'Send the token from POST /users in the x-relay-token header.',
  },
  token_invalid: {
    status: 401,
    message: 'Invalid relay token',
    hint: 'Register again with POST /users to get a new token.',
  },
  token_expired: {
    status: 401,
    message: 'Relay token has expired',
    hint: 'Register again with POST /users to get a new token.',
  },
  token_revoked: {
    status: 401,
    message: 'Relay token has been revoked',
    hint: 'Register again with POST /users to get a new token.',
  },
  token_scope_provider: {
    status: 403,
    message: 'This relay token is not allowed to use this provider',
    hint: 'The token was minted for other providers; GET /tokens (with the full token) shows its scopes.',
  },
  token_scope_model: {
    status: 403,
    message: 'This relay token is not allowed to use this model',
    hint: 'Name a model the token allows, in the body or the path; a model-restricted token needs one.',
  },
  token_scope_origin: {
    status: 403,
    message: 'This relay token is not allowed from this origin',
    hint: 'Scoped tokens with origins only work from those pages (checked against the Origin header).',
  },
  token_scope_widen: {
    status: 403,
    message: 'A scoped token cannot mint a wider token',
    hint: 'Ask for a subset of its providers, models and origins, expiring no later than it does.',
  },
  token_scope_forbidden: {
    status: 403,
    message: 'Scoped relay tokens cannot do this',
    hint: "Keys, tokens and the account are managed with the user's full token from POST /users.",
  },
  connect_origin_forbidden: {
    status: 403,
    message: 'This origin may not use the connect page',
    hint: 'The opener origin (or the redirect_uri origin) must be listed in ALLOWED_ORIGINS.',
  },
  connect_code_invalid: {
    status: 400,
    message: 'Unknown, used or expired connect code',
    hint: 'A code works once, for 60 seconds, with the redirect_uri it was issued for; start the connect flow again.',
  },
  connect_verifier_invalid: {
    status: 400,
    message: 'The code_verifier does not match the code_challenge',
    hint: 'Send the verifier whose S256 hash was the code_challenge; the code is spent, start again.',
  },
  app_secret_invalid: {
    status: 401,
    message: 'Invalid or missing app secret',
    hint: 'Send Authorization: Bearer <APP_SECRET>.',
  },
  metrics_token_invalid: {
    status: 401,
    message: 'Invalid or missing metrics token',
    hint: 'Send Authorization: Bearer <METRICS_TOKEN>.',
  },
  validation_error: { status: 400, message: 'Invalid request' },
  provider_unknown: {
    status: 400,
    message: 'Unknown provider',
    hint: 'GET /models lists the supported providers.',
  },
  key_invalid: { status: 400, message: 'This does not look like a key for this provider' },
  key_missing: {
    status: 400,
    message: 'No key stored for this provider',
    hint: 'Store one with POST /keys/:provider.',
  },
  key_rejected: { status: 422, message: 'The provider rejected the new key; the old key was kept' },
  key_unreadable: {
    status: 500,
    message: 'The stored key cannot be decrypted',
    hint: 'Store the key again with POST /keys/:provider; if every key fails, check ENCRYPTION_SECRET.',
  },
  base_url_rejected: { status: 400, message: 'Base URL refused' },
  path_forbidden: { status: 403, message: 'This path is not forwarded by the relay' },
  model_forbidden: { status: 403, message: 'This model is not allowed on this relay' },
  body_too_large: { status: 413, message: 'Request body is too large' },
  unsupported_media_type: {
    status: 415,
    message: 'Unsupported content type',
    hint: 'Send JSON with Content-Type: application/json.',
  },
  method_not_allowed: { status: 405, message: 'Method not allowed' },
  request_timeout: {
    status: 408,
    message: 'The request was not received in time',
    hint: 'Send the whole request without pausing; the connection was closed.',
  },
  headers_too_large: { status: 431, message: 'Request headers are too large' },
  rate_limited: {
    status: 429,
    message: 'Too many requests',
    hint: 'Wait for the number of seconds in Retry-After.',
  },
  budget_exceeded: {
    status: 429,
    message: 'A spending budget for this key is used up',
    hint: 'Wait for the number of seconds in Retry-After, or raise the budget with PUT /budgets.',
  },
  token_cap_exceeded: {
    status: 429,
    message: 'A cap on this relay token is used up',
    hint: 'A daily or monthly cap resets (see Retry-After); a cap over the token’s life does not: get a new token.',
  },
  upstream_unreachable: { status: 502, message: 'Could not reach the provider' },
  upstream_timeout: { status: 504, message: 'The provider did not answer in time' },
  not_found: { status: 404, message: 'Not found' },
  not_configured: { status: 503, message: 'This route is disabled on this relay' },
  unavailable: { status: 503, message: 'The relay is not ready' },
  internal_error: { status: 500, message: 'Internal server error' },
} as const satisfies Record<string, { status: number; message: string; hint?: string }>

export type ErrorCode = keyof typeof ERRORS

export interface ErrorBody {
  error: string
  code: ErrorCode
  hint?: string
}

/** An error that is meant to cross the wire. Anything else becomes a generic 500. */
export class RelayError extends Error {
  readonly code: ErrorCode
  readonly statusCode: number
  readonly hint: string | undefined
  /** Extra response headers (Allow, Retry-After, …). */
  readonly headers: Readonly<Record<string, string>>

  constructor(
    code: ErrorCode,
    options: { message?: string; hint?: string; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    const entry: { status: number; message: string; hint?: string } = ERRORS[code]
    super(options.message ?? entry.message, { cause: options.cause })
    this.name = 'RelayError'
    this.code = code
    this.statusCode = entry.status
    this.hint = options.hint ?? entry.hint
    this.headers = options.headers ?? {}
  }

  toBody(): ErrorBody {
    return this.hint === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, hint: this.hint }
  }
}

/** Raised at start-up for a bad environment value; the message names the variable and never echoes a secret. */
export class ConfigError extends Error {
  readonly variable: string
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`)
    this.name = 'ConfigError'
    this.variable = variable
  }
}
