/** A relay error (`{ error, code, hint? }`), or `relay_unreachable` when the relay could not be reached. */
export class ByokError extends Error {
  readonly code: string
  /** The HTTP status; 0 when no response arrived (`relay_unreachable`). */
  readonly status: number
  readonly hint: string | undefined
  /**
   * Seconds until a retry may succeed: for `rate_limited`, when the relay's limit resets; for a provider's
   * `provider_error` (429, 503), the provider's own `Retry-After`.
   */
  readonly retryAfter: number | undefined

  constructor(
    message: string,
    code: string,
    status: number,
    hint?: string,
    options: { cause?: unknown; retryAfter?: number | undefined } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ByokError'
    this.code = code
    this.status = status
    this.hint = hint
    this.retryAfter = options.retryAfter
  }
}

/**
 * A relay error body, read without consuming the response.
 * @internal
 */
interface RelayErrorBody {
  code: string
  message: string
  hint?: string | undefined
}

/**
 * Reads `{ code, error, hint }` from a relay error response without consuming it; null for anything else.
 * @internal
 */
export async function readRelayError(response: Response): Promise<RelayErrorBody | null> {
  if (response.ok || !response.headers.get('content-type')?.includes('application/json')) return null
  try {
    const body = (await response.clone().json()) as { code?: unknown; error?: unknown; hint?: unknown }
    if (typeof body.code !== 'string') return null
    const message = typeof body.error === 'string' ? body.error : body.code
    return typeof body.hint === 'string'
      ? { code: body.code, message, hint: body.hint }
      : { code: body.code, message }
  } catch {
    return null
  }
}

const WINDOWS: ReadonlyArray<readonly [seconds: number, name: string]> = [
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
]

function per(windowSeconds: number): string {
  const unit = WINDOWS.find(([seconds]) => windowSeconds % seconds === 0) ?? [1, 'second']
  const count = windowSeconds / unit[0]
  return count === 1 ? `per ${unit[1]}` : `per ${count} ${unit[1]}s`
}

function wait(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  const minutes = Math.ceil(seconds / 60)
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`
}

/**
 * The relay's rate-limit answer in words, from its `RateLimit-Policy` (`10;w=3600`) and `Retry-After` headers:
 * which limit was hit and when it resets.
 */
function rateLimitError(response: Response, body: RelayErrorBody, what: string): ByokError {
  const header = (name: string) => response.headers.get(name) ?? undefined
  const policy = /^\s*(\d+)\s*;\s*w=(\d+)/.exec(header('ratelimit-policy') ?? '')
  const retryAfter = Number(header('retry-after') ?? header('ratelimit-reset'))
  const count = Number(policy?.[1])
  const limit = policy
    ? `${count} ${count === 1 ? what.replace(/s$/, '') : what} ${per(Number(policy[2]))}`
    : undefined
  const parts = [body.message === 'Too many requests' && limit ? `Too many ${what}` : body.message]
  if (limit) parts.push(`the relay allows ${limit}`)
  const sentence = parts.join(': ')
  const resets = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined
  const message = resets === undefined ? `${sentence}.` : `${sentence}; try again in ${wait(resets)}.`
  return new ByokError(message, body.code, response.status, body.hint, { retryAfter: resets })
}

/**
 * Turns a relay error response into a `ByokError` (a 429 says which limit and when it resets); null when the
 * response is not an error from the relay itself (a provider's own error passes through unchanged).
 * @example const error = await relayErrorOf(response); if (error) showError(error.message)
 */
export async function relayErrorOf(response: Response, what = 'requests'): Promise<ByokError | null> {
  const body = await readRelayError(response)
  if (!body) return null
  if (response.status === 429) return rateLimitError(response, body, what)
  return new ByokError(body.message, body.code, response.status, body.hint)
}

/**
 * The error for a relay that did not answer at all (not started, wrong URL, offline, CORS refused).
 * @internal
 */
export function unreachableError(relayUrl: string, cause: unknown): ByokError {
  return new ByokError(
    `Cannot reach the byok relay at ${relayUrl}`,
    'relay_unreachable',
    0,
    'Start it with `npx byok dev`, or check the relay URL your app is given.',
    { cause },
  )
}
