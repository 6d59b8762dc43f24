import { SDK_CLIENTS } from '../mappings/providers.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/** `new Anthropic({ apiKey, … })` → relay baseURL, placeholder apiKey, `fetch: byok.fetch`. */
export const anthropicSdk = createSdkOptionsTransform(
  'anthropic-sdk',
  'Anthropic SDK clients (@anthropic-ai/sdk) go through the relay',
  SDK_CLIENTS.anthropic,
)
