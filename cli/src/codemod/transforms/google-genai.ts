import { SDK_CLIENTS } from '../mappings/providers.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/**
 * `new GoogleGenAI({ apiKey })` → placeholder apiKey and `httpOptions.baseUrl` on the relay. The SDK has no fetch
 * option and calls the global fetch, so the base URL comes from `byok.routeGlobalFetch()`, which sends global
 * fetches to this relay's `/relay/` URLs through `byok.fetch` (token, key prompt) and leaves all others alone.
 * Vertex clients (`vertexai`) and hand-set `httpOptions` are reported, not rewritten.
 */
export const googleGenai = createSdkOptionsTransform(
  'google-genai',
  'Google Gen AI SDK clients (@google/genai) go through the relay',
  SDK_CLIENTS.googleGenAI,
  {
    baseOption: 'httpOptions',
    via: (ctx) => `${ctx.byok}.routeGlobalFetch()`,
    baseEntry: (expression) => `httpOptions: { baseUrl: ${expression} }`,
    extras: () => [],
    conflicts: ['vertexai'],
  },
)
