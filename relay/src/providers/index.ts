import { RelayError } from '../errors.js'
import { anthropic } from './anthropic.js'
import { cerebras } from './cerebras.js'
import { deepgram } from './deepgram.js'
import { deepseek } from './deepseek.js'
import { elevenlabs } from './elevenlabs.js'
import { fireworks } from './fireworks.js'
import { google } from './google.js'
import { groq } from './groq.js'
import { huggingface } from './huggingface.js'
import { mistral } from './mistral.js'
import { openai } from './openai.js'
import { openaiCompatible } from './openai-compatible.js'
import { openrouter } from './openrouter.js'
import { perplexity } from './perplexity.js'
import { together } from './together.js'
import type { ProviderSpec } from './types.js'
import { xai } from './xai.js'

export type { ChatWire, ProviderSpec } from './types.js'

// Order matters for POST /relay: a bare model name goes to the first provider whose pattern matches.
const ALL = [
  openai,
  anthropic,
  google,
  groq,
  openrouter,
  mistral,
  deepseek,
  xai,
  together,
  fireworks,
  perplexity,
  cerebras,
  elevenlabs,
  deepgram,
  huggingface,
  openaiCompatible,
] as const satisfies readonly ProviderSpec[]

export type ProviderId = (typeof ALL)[number]['id']

export const PROVIDERS: ReadonlyMap<string, ProviderSpec> = new Map(ALL.map((p) => [p.id, p]))

export const PROVIDER_IDS: readonly ProviderId[] = ALL.map((p) => p.id)

/** The registry entry for an id, or undefined for anything not built in. */
export function findProvider(id: string): ProviderSpec | undefined {
  return PROVIDERS.get(id)
}

/** The registry entry for an id a client sent; throws `provider_unknown` for anything not built in. */
export function resolveProvider(id: string): ProviderSpec {
  const provider = PROVIDERS.get(id)
  if (!provider) {
    throw new RelayError('provider_unknown', { message: `Unknown provider "${id.slice(0, 64)}"` })
  }
  return provider
}

/** `openai-compatible` → `OPENAI_COMPATIBLE_BASE_URL` (SPEC §3.5). */
export function baseUrlVariable(id: string): string {
  return `${id.toUpperCase().replaceAll('-', '_')}_BASE_URL`
}
