import type { FastifyReply, FastifyRequest } from 'fastify'
import { RelayError } from '../errors.js'
import type { Accounts, Caller } from '../services/accounts.js'
import { checkScopeOrigin } from '../services/token-scope.js'

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null
  }
}

/** The header clients written for byok-relay send (SPEC §3.2). */
export const TOKEN_HEADER = 'x-relay-token'

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Everything a scoped token is checked against on every request, whatever the route: its origins. Called
 * right after authentication, so a token used from the wrong page learns nothing else.
 */
export function checkCallerOrigin(caller: Caller, request: FastifyRequest): void {
  checkScopeOrigin(caller.scope, headerValue(request.headers.origin))
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
    const caller = await accounts.authenticate(headerValue(request.headers[TOKEN_HEADER])?.trim())
    checkCallerOrigin(caller, request)
    if (caller.scope !== null && !allowScoped) throw new RelayError('token_scope_forbidden')
    request.caller = caller
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route is missing the requireCaller hook')
  return request.caller
}
