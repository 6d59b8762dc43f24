/** Thrown when the relay cannot be reached at all (connection refused, DNS, timeout). */
export class RelayUnreachableError extends Error {
  constructor(
    readonly relayUrl: string,
    cause: unknown,
  ) {
    super(`cannot reach the relay at ${relayUrl}`, { cause })
    this.name = 'RelayUnreachableError'
  }
}

export interface RelayResponse {
  readonly status: number
  /** Parsed JSON, or the raw text when the body is not JSON. */
  readonly body: unknown
  readonly latencyMs: number
}

export interface RelayClient {
  request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options?: { token?: string | undefined; bearer?: string | undefined; body?: unknown },
  ): Promise<RelayResponse>
}

const TIMEOUT_MS = 30_000

/** A thin JSON client for the relay's HTTP API; `fetch` is injected so tests need no globals. */
export function createRelayClient(relayUrl: string, fetchImpl: typeof fetch = fetch): RelayClient {
  const base = relayUrl.replace(/\/+$/, '')
  return {
    async request(method, path, options = {}) {
      const headers: Record<string, string> = {}
      if (options.token) headers['x-relay-token'] = options.token
      if (options.bearer) headers.authorization = `Bearer ${options.bearer}`
      if (options.body !== undefined) headers['content-type'] = 'application/json'
      const started = performance.now()
      let response: Response
      let text: string
      try {
        response = await fetchImpl(`${base}${path}`, {
          method,
          headers,
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
        text = await response.text()
      } catch (error) {
        throw new RelayUnreachableError(base, error)
      }
      const latencyMs = Math.round(performance.now() - started)
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: response.status, body, latencyMs }
    },
  }
}

/** The relay's own error body (SPEC §3.1 `{ error, code, hint? }`), or undefined for anything else (e.g. upstream). */
export function relayErrorOf(body: unknown): { error: string; code: string; hint?: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const { error, code, hint } = body as Record<string, unknown>
  if (typeof error !== 'string' || typeof code !== 'string') return undefined
  return { error, code, ...(typeof hint === 'string' ? { hint } : {}) }
}
