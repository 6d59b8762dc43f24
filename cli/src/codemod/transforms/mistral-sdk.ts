import { SDK_CLIENTS } from '../mappings/providers.js'
import { ensureNamedImport } from './import-utils.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/**
 * `new Mistral({ apiKey })` → `serverURL` on the relay, placeholder apiKey, and the SDK's own fetch hook
 * (Speakeasy: `httpClient: new HTTPClient({ fetcher })`, `HTTPClient` exported by `@mistralai/mistralai`).
 */
export const mistralSdk = createSdkOptionsTransform(
  'mistral-sdk',
  'Mistral SDK clients (@mistralai/mistralai ≥1) go through the relay',
  SDK_CLIENTS.mistral,
  {
    baseOption: 'serverURL',
    extras: (ctx) => [`httpClient: new HTTPClient({ fetcher: ${ctx.byok}.fetch })`],
    conflicts: ['httpClient', 'server'],
    after: (file) => {
      ensureNamedImport(file, '@mistralai/mistralai', 'HTTPClient')
    },
  },
)
