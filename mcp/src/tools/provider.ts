import { findProvider, PROVIDER_IDS, type ProviderSpec } from '@byok/relay'
import { z } from 'zod'
import { ToolError } from './result.js'

/** A plain string (not an enum) so an unknown id gets our message listing the ids, not a schema error. */
export const providerInput = z
  .string()
  .min(1)
  .max(64)
  .describe(`Provider id, one of: ${PROVIDER_IDS.join(', ')}`)

export function resolveProvider(id: string): ProviderSpec {
  const provider = findProvider(id.trim().toLowerCase())
  if (!provider) {
    throw new ToolError(`Unknown provider "${id.slice(0, 64)}". Use one of: ${PROVIDER_IDS.join(', ')}.`)
  }
  return provider
}
