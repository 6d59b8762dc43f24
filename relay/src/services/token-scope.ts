import { RelayError } from '../errors.js'
import { globToRegExpSource } from '../proxy/models.js'
import type { TokenScope } from '../store/types.js'

/** `expires_in` bounds for `POST /tokens`, in seconds. */
export const SCOPED_EXPIRY = { min: 60, max: 30 * 86_400, default: 3_600 } as const

/** What `POST /tokens` asks for; an omitted list keeps the parent's restriction (or none). */
export interface ScopeRequest {
  readonly providers?: readonly string[]
  readonly models?: readonly string[]
  readonly origins?: readonly string[]
  /** Seconds; omitted = `SCOPED_EXPIRY.default`, shortened to the parent's own expiry. */
  readonly expiresIn?: number
}

/** The token a scoped token is minted from: a user's token (scoped or not), or nothing (APP_SECRET). */
interface ScopeParent {
  readonly scope: TokenScope | null
  readonly expiresAt: number | null
}

const patternCache = new Map<string, RegExp>()

function globMatches(pattern: string, value: string): boolean {
  let re = patternCache.get(pattern)
  if (!re) {
    re = new RegExp(globToRegExpSource(pattern))
    // Patterns are few per token; a bound keeps a flood of distinct ones from growing the cache forever.
    if (patternCache.size >= 1_000) patternCache.clear()
    patternCache.set(pattern, re)
  }
  return re.test(value)
}

/**
 * Whether every model `child` matches is matched by `parent`. The parent is matched against the child's text
 * with the child's `*` taken literally: a parent has no literal `*`, so each child `*` falls inside one of the
 * parent's own wildcards, and whatever it stands for still matches. Conservative: a child that only two
 * parent patterns together cover is refused.
 */
export function globCovers(parent: string, child: string): boolean {
  return globMatches(parent, child)
}

function widen(message: string): RelayError {
  return new RelayError('token_scope_widen', { message })
}

function narrowList(
  field: 'providers' | 'origins',
  parent: readonly string[] | null,
  requested: readonly string[] | undefined,
): readonly string[] | null {
  if (requested === undefined) return parent
  const unique = [...new Set(requested)]
  if (parent !== null) {
    const extra = unique.find((value) => !parent.includes(value))
    if (extra !== undefined) {
      throw widen(`This token does not allow the ${field === 'providers' ? 'provider' : 'origin'} "${extra}"`)
    }
  }
  return unique
}

function narrowModels(
  parent: readonly string[] | null,
  requested: readonly string[] | undefined,
): readonly string[] | null {
  if (requested === undefined) return parent
  const unique = [...new Set(requested)]
  if (parent !== null) {
    const extra = unique.find((child) => !parent.some((p) => globCovers(p, child)))
    if (extra !== undefined) throw widen(`This token's models do not cover "${extra}"`)
  }
  return unique
}

/**
 * The scope and expiry of a token minted from `parent`: never wider than the parent in providers, models,
 * origins or time. Throws `token_scope_widen` when the request asks for more.
 *
 * @example
 * narrowScope({ scope: null, expiresAt: null }, { providers: ['openai'], expiresIn: 600 }, Date.now())
 */
export function narrowScope(
  parent: ScopeParent,
  request: ScopeRequest,
  now: number,
): { scope: TokenScope; expiresAt: number } {
  const scope: TokenScope = {
    providers: narrowList('providers', parent.scope?.providers ?? null, request.providers),
    models: narrowModels(parent.scope?.models ?? null, request.models),
    origins: narrowList('origins', parent.scope?.origins ?? null, request.origins),
  }
  let expiresAt = now + (request.expiresIn ?? SCOPED_EXPIRY.default) * 1000
  if (parent.expiresAt !== null && expiresAt > parent.expiresAt) {
    if (request.expiresIn !== undefined) throw widen('A token cannot outlive the token that mints it')
    expiresAt = parent.expiresAt
  }
  return { scope, expiresAt }
}

/** Throws `token_scope_provider` unless the scope allows the provider. */
export function checkScopeProvider(scope: TokenScope | null, provider: string): void {
  if (scope?.providers && !scope.providers.includes(provider)) {
    throw new RelayError('token_scope_provider', {
      message: `This relay token is not allowed to use ${provider.slice(0, 64)}`,
    })
  }
}

/** Throws `token_scope_model` unless the scope allows the model; an unknown model is refused when models are restricted. */
export function checkScopeModel(scope: TokenScope | null, provider: string, model: string | null): void {
  const patterns = scope?.models
  if (!patterns) return
  if (model === null) {
    throw new RelayError('token_scope_model', {
      message: 'This relay token only allows listed models, and the request names none',
    })
  }
  if (!patterns.some((p) => globMatches(p, model) || globMatches(p, `${provider}/${model}`))) {
    throw new RelayError('token_scope_model', {
      message: `This relay token is not allowed to use the model "${model.slice(0, 100)}"`,
    })
  }
}

/** Throws `token_scope_origin` unless the scope allows the request's `Origin` (a missing one is refused). */
export function checkScopeOrigin(scope: TokenScope | null, origin: string | undefined): void {
  if (!scope?.origins) return
  if (origin === undefined || !scope.origins.includes(origin)) {
    throw new RelayError('token_scope_origin', {
      message:
        origin === undefined
          ? 'This relay token only works from listed origins, and the request has no Origin header'
          : 'This relay token is not allowed from this origin',
    })
  }
}
