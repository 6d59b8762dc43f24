import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts, Caller } from '../services/accounts.js'

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
 * An onRequest hook that resolves `x-relay-token` to `request.caller` or answers 401 with the specific code.
 * It runs before body parsing and validation, so a caller without a valid token learns nothing else.
 */
export function createRequireCaller(accounts: Accounts) {
  return async function requireCaller(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    request.caller = await accounts.authenticate(headerValue(request.headers[TOKEN_HEADER])?.trim())
  }
}

export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new Error('route is missing the requireCaller hook')
  return request.caller
}
