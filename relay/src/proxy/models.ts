import { RelayError } from '../errors.js'
import { findProvider, PROVIDERS, type ProviderSpec } from '../providers/index.js'

/** A `*` glob as the source of an anchored regular expression (GET /models publishes these). */
export function globToRegExpSource(pattern: string): string {
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
  return `^${escaped.join('.*')}$`
}

function globToRegExp(pattern: string): RegExp {
  return new RegExp(globToRegExpSource(pattern))
}

/** `ALLOWED_MODELS` as a predicate; an empty list allows everything. Matches `model` or `provider/model`. */
export function createModelPolicy(patterns: readonly string[]): (provider: string, model: string) => boolean {
  if (patterns.length === 0) return () => true
  const compiled = patterns.map(globToRegExp)
  return (provider, model) => compiled.some((re) => re.test(model) || re.test(`${provider}/${model}`))
}

const providerPatterns = new Map<string, RegExp[]>(
  [...PROVIDERS.values()].map((p) => [p.id, p.models.map(globToRegExp)]),
)

/**
 * `POST /relay` routing: `"anthropic/claude-…"` names the provider explicitly (the prefix is removed before
 * forwarding; OpenRouter ids keep their own slash), otherwise the first provider in registry order whose
 * model patterns match the bare name.
 */
export function routeModel(model: string): { provider: ProviderSpec; model: string } {
  const slash = model.indexOf('/')
  if (slash > 0) {
    const provider = findProvider(model.slice(0, slash))
    if (provider) {
      if (slash === model.length - 1) {
        throw new RelayError('validation_error', {
          message: `body.model names the provider "${provider.id}" but no model`,
          hint: `Write it as "${provider.id}/<model>"; GET /models lists the providers.`,
        })
      }
      return { provider, model: model.slice(slash + 1) }
    }
  }
  for (const provider of PROVIDERS.values()) {
    if (providerPatterns.get(provider.id)?.some((re) => re.test(model))) return { provider, model }
  }
  throw new RelayError('provider_unknown', {
    message: `No provider is known to serve model "${model.slice(0, 100)}"`,
    hint: 'Prefix the model with a provider id, e.g. "anthropic/claude-sonnet-4-5"; GET /models lists them.',
  })
}

const PATH_MODEL = /\/models\/([^/:]+):/
const MULTIPART_MODEL = /name="model"\r\n\r\n([^\r\n]{1,200})\r\n/
// Any part named "model", however its disposition is written: multipart parsers differ on case and quoting.
const MULTIPART_MODEL_NAMES = /\bname\*?\s*=\s*(?:utf-8'')?["']?model["']?\s*(?:;|\r\n)/gi

/** Gemini-style `/models/<model>:method` paths name the model; null otherwise. */
export function modelFromPath(path: string): string | null {
  return PATH_MODEL.exec(path)?.[1] ?? null
}

/**
 * The model a request asks for: JSON `model` (or ElevenLabs' `model_id`), a multipart `model` field, or a
 * Gemini-style `/models/<model>:method` path. Null when none can be found.
 */
export function extractModel(
  path: string,
  contentType: string | undefined,
  body: Buffer | undefined,
  json?: unknown,
): string | null {
  const fromPath = modelFromPath(path)
  if (fromPath) return fromPath
  if (!body || body.length === 0) return null
  if (contentType?.includes('json')) {
    try {
      // The relay routes parse an application/json body once, on arrival; other JSON types are parsed here.
      const parsed = (json ?? JSON.parse(body.toString('utf8'))) as { model?: unknown; model_id?: unknown }
      if (typeof parsed !== 'object' || parsed === null) return null
      // A body naming two models is ambiguous (the provider reads one of them): refuse rather than guess.
      if (parsed.model !== undefined && parsed.model_id !== undefined && parsed.model !== parsed.model_id)
        return null
      const model = parsed.model ?? parsed.model_id
      return typeof model === 'string' ? model : null
    } catch {
      return null
    }
  }
  if (contentType?.startsWith('multipart/form-data')) {
    // The whole body, not a prefix: a second model field could hide after a large file part.
    const text = body.toString('latin1')
    if (text.match(MULTIPART_MODEL_NAMES)?.length !== 1) return null
    return MULTIPART_MODEL.exec(text)?.[1] ?? null
  }
  return null
}

const SNIFF_MODEL = /"model"\s*:\s*"([^"\\]{1,200})"/

/**
 * For the request log only (never for a policy decision): the first `"model": "…"` in the first 4 KiB of a
 * body, without parsing it.
 */
export function sniffModel(body: Buffer): string | null {
  return SNIFF_MODEL.exec(body.toString('utf8', 0, Math.min(body.length, 4096)))?.[1] ?? null
}

/** Longest model name the request log keeps. */
const MAX_LOGGED_MODEL_LENGTH = 200
const MODEL_NAME_CHARS = /[^A-Za-z0-9._:/@+=-]/g
const CLEAN_MODEL_NAME = /^[A-Za-z0-9._:/@+=-]{1,200}$/

/**
 * A model name as the request log stores it: the characters model ids use (`meta-llama/Llama-3.1-8B`,
 * `llama3:8b`, `claude-3-5-sonnet@20240620`), at most 200 of them; null when nothing is left. Names come from
 * provider responses and request bodies — a custom endpoint is user-chosen, so neither is trusted with disk.
 */
export function sanitizeModelName(name: string | null): string | null {
  // Every call logs a model: the usual clean name is returned as is, without building a new string.
  if (name === null || CLEAN_MODEL_NAME.test(name)) return name
  const head = name.length > MAX_LOGGED_MODEL_LENGTH * 4 ? name.slice(0, MAX_LOGGED_MODEL_LENGTH * 4) : name
  const clean = head.replace(MODEL_NAME_CHARS, '').slice(0, MAX_LOGGED_MODEL_LENGTH)
  return clean === '' ? null : clean
}
