import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import type { Accounts, Caller } from '../services/accounts.js'
import { checkScopeOrigin } from '../services/token-scope.js'

// Every credential a request can present is read here, and only here, with one rule: the first value of a
// repeated header counts, values are trimmed, and an Authorization scheme matches whatever its case
// (RFC 9110 §11.1: "Bearer", "bearer" and "BEARER" are the same scheme). Routes ask these functions; none
// reads a credential header itself.

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null
  }
}

/** The header clients written for byok-relay send (SPEC §3.2). */
const TOKEN_HEADER = 'x-relay-token'

/** `Authorization: Bearer <credential>`: APP_SECRET, METRICS_TOKEN, and a relay token from OpenAI-style SDKs. */
const BEARER = /^Bearer\s+(.+)$/i
/** Deepgram's SDK sends its key as `Authorization: Token <key>`; the relay token rides there too. */
const BEARER_OR_TOKEN = /^(?:Bearer|Token)\s+(.+)$/i

function first(value: string | string[] | undefined): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim()
}

/** The `Authorization` credential under one of `schemes`, or undefined. */
function authorizationCredential(request: FastifyRequest, schemes: RegExp): string | undefined {
  return schemes.exec(first(request.headers.authorization) ?? '')?.[1]
}

/**
 * The relay token as `/relay` routes take it (SPEC §3.2): official SDKs only let you change baseURL and apiKey,
 * so the token may arrive in the header each SDK puts its key in. `x-relay-token` wins when present.
 */
export function relayCredential(request: FastifyRequest): string | undefined {
  const h = request.headers
  return (
    first(h[TOKEN_HEADER]) ||
    authorizationCredential(request, BEARER_OR_TOKEN) ||
    first(h['x-api-key']) ||
    first(h['x-goog-api-key']) ||
    first(h['xi-api-key']) ||
    undefined
  )
}

/** Constant-time comparison that does not leak the secret's length through early exit. */
function secretMatches(presented: string, expected: string): boolean {
  const a = Buffer.from(presented)
  const b = Buffer.from(expected)
  const same = timingSafeEqual(a.length === b.length ? a : b, b)
  return same && a.length === b.length
}

/** The `Authorization: Bearer` credential, or undefined (routes mounted through `AppDeps.mcpRoutes` take it). */
export function bearerCredential(request: FastifyRequest): string | undefined {
  return authorizationCredential(request, BEARER)
}

/** Whether the request carries `Authorization: Bearer <secret>` (APP_SECRET, METRICS_TOKEN). */
export function bearerMatches(request: FastifyRequest, secret: string): boolean {
  return secretMatches(bearerCredential(request) ?? '', secret)
}

/** Throws `app_secret_invalid` unless the request carries `Authorization: Bearer <APP_SECRET>`. */
export function requireAppSecret(request: FastifyRequest, appSecret: string): void {
  if (!bearerMatches(request, appSecret)) throw new RelayError('app_secret_invalid')
}

/**
 * On routes that take either (POST /tokens): the app's backend presents its secret in `Authorization` and no
 * relay token; anything else is a user's relay token, checked as such.
 */
export function presentsAppSecret(request: FastifyRequest): boolean {
  return request.headers[TOKEN_HEADER] === undefined && request.headers.authorization !== undefined
}

/**
 * Everything a scoped token is checked against on every request, whatever the route: its origins. Called
 * right after authentication, so a token used from the wrong page learns nothing else.
 */
export function checkCallerOrigin(caller: Caller, request: FastifyRequest): void {
  const origin = request.headers.origin
  checkScopeOrigin(caller.scope, Array.isArray(origin) ? origin[0] : origin)
}

/**
 * An onRequest hook that resolves `x-relay-token` to `request.caller` or answers 401 with the specific code.
 * It runs before body parsing and validation, so a caller without a valid token learns nothing else.
 *
 * Scoped tokens (POST /tokens) are refused with 403 `token_scope_forbidden` unless `allowScoped`: a route
 * accepts them only by saying so, so a new route cannot hand a scoped token more than it was minted for.
 */
export function createRequireCaller(accounts: Accounts, options: { allowScoped?: boolean } = {}) {
  const allowScoped = options.allowScoped === true
  return async function requireCaller(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const caller = await accounts.authenticate(first(request.headers[TOKEN_HEADER]))
    checkCallerOrigin(caller, request)
    if (caller.scope !== null && !allowScoped) throw new RelayError('token_scope_forbidden')
    request.caller = caller
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route is missing the requireCaller hook')
  return request.caller
}
