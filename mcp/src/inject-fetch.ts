import type { RelayRoutes } from '@byok/relay'

/** The relay's Fastify instance, typed through @byok/relay so this package needs no Fastify dependency. */
type RelayApp = Parameters<RelayRoutes>[0]

// Statuses whose Response may not carry a body (the Fetch standard's "null body status").
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])

/**
 * A `fetch` answered by the relay app in-process (`app.inject`): the /mcp tools reach the relay through its real
 * routes, hooks and error handling, without a socket, a loopback port or a second pass through the reverse proxy.
 * `remoteAddress` is the MCP caller's IP, so per-IP rate limits charge the caller, not 127.0.0.1.
 *
 * @example
 * const relayFetch = createInjectFetch(app, request.ip)
 * await relayFetch('http://relay/health')
 */
export function createInjectFetch(app: RelayApp, remoteAddress: string): typeof fetch {
  const injectFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input)
    const body = init.body
    if (body !== undefined && body !== null && typeof body !== 'string') {
      throw new TypeError('createInjectFetch sends string bodies only (the relay client sends JSON text)')
    }
    const res = await app.inject({
      method: (init.method ?? 'GET') as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(new Headers(init.headers).entries()),
      remoteAddress,
      ...(typeof body === 'string' ? { payload: body } : {}),
    })
    const headers = new Headers()
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue
      for (const item of [value].flat()) headers.append(name, String(item))
    }
    return new Response(NULL_BODY_STATUS.has(res.statusCode) ? null : res.rawPayload, {
      status: res.statusCode,
      headers,
    })
  }
  return injectFetch as typeof fetch
}
