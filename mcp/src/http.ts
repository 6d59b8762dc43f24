import {
  bearerCredential,
  ERRORS,
  type ErrorCode,
  errorResponses,
  RelayError,
  type RelayRoutes,
  TOKEN_ERRORS,
} from '@byok/relay'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { createInjectFetch } from './inject-fetch.js'
import { createServer } from './server.js'

export interface McpRoutesOptions {
  /** Directory of `*.md` reference guides exposed as resources (skipped when missing). */
  readonly guidesDir?: string | undefined
}

/** Documents the route in the relay's OpenAPI document (the handler hijacks the reply, so nothing is serialised). */
const MCP_ROUTE_SCHEMA = {
  summary: 'MCP tools over Streamable HTTP (stateless JSON-RPC; enabled by MCP_HTTP=on)',
  description:
    'One JSON-RPC message per POST (initialize, tools/list, tools/call, …), answered as JSON. The tools act for the ' +
    'user of the bearer relay token and never touch the relay host’s files or environment.',
  tags: ['mcp'],
  security: [{ bearerToken: [] }],
  response: {
    200: {
      description: 'The JSON-RPC response (a tool failure is a result with isError, not an HTTP error)',
      content: { 'application/json': { schema: { type: 'object' } } },
    },
    ...errorResponses(...TOKEN_ERRORS, 'rate_limited', 'unavailable'),
  },
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="byok"' }

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code)
}

/**
 * The relay's `/mcp` endpoint (Streamable HTTP, stateless: a new server and transport per POST; GET and DELETE
 * get the relay's 405). `Authorization: Bearer <relay token>` must be a valid relay token; the tools act for its
 * user. Only tools that touch neither the relay host's files nor its environment are served (see `remote`).
 * Pass it to the relay as `AppDeps.mcpRoutes`; it is mounted when `MCP_HTTP=on`.
 *
 * @example
 * await startRelay(config, { mcpRoutes: createMcpRoutes() })
 */
export function createMcpRoutes(options: McpRoutesOptions = {}): RelayRoutes {
  return (app) => {
    app.post('/mcp', { schema: MCP_ROUTE_SCHEMA }, async (request, reply) => {
      // The relay's rule for every credential header (first value, trimmed, scheme in any case).
      const token = bearerCredential(request)
      if (!token) {
        throw new RelayError('token_missing', {
          hint: 'Send Authorization: Bearer <relay token> (the token from POST /users).',
          headers: CHALLENGE,
        })
      }
      const relayFetch = createInjectFetch(app, request.ip)
      // The relay itself decides: GET /keys runs the same token check (expiry, revocation) as every user route.
      const check = await relayFetch('http://relay/keys', { headers: { 'x-relay-token': token } })
      if (!check.ok) {
        const body = (await check.json().catch(() => undefined)) as
          | { error?: string; code?: unknown; hint?: string }
          | undefined
        const retryAfter = check.headers.get('retry-after')
        if (!isErrorCode(body?.code)) throw new RelayError('unavailable')
        throw new RelayError(body.code, {
          ...(body.error ? { message: body.error } : {}),
          ...(body.hint ? { hint: body.hint } : {}),
          headers: {
            ...(check.status === 401 ? CHALLENGE : {}),
            ...(retryAfter ? { 'retry-after': retryAfter } : {}),
          },
        })
      }
      const server = createServer({
        relayUrl: `${request.protocol}://${request.host}`,
        token,
        fetch: relayFetch,
        remote: true,
        guidesDir: options.guidesDir,
      })
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: undefined,
        enableJsonResponse: true,
      })
      reply.raw.on('close', () => {
        void transport.close()
        void server.close()
      })
      await server.connect(transport)
      // The transport writes the raw response; keep the headers the relay's hooks set (CORS, security, limits).
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value)
      }
      reply.hijack()
      try {
        await transport.handleRequest(request.raw, reply.raw, request.body)
      } catch (error) {
        request.log.error({ err: error }, 'MCP request failed')
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' })
          reply.raw.end(JSON.stringify(new RelayError('internal_error').toBody()))
        }
      }
    })
  }
}
