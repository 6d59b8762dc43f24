import { SDK_CLIENTS } from '../mappings/providers.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/** `new OpenAI({ apiKey, … })` → relay baseURL, placeholder apiKey, `fetch: byok.fetch`. */
export const openaiSdk = createSdkOptionsTransform(
  'openai-sdk',
  'OpenAI SDK clients (openai v4+) go through the relay',
  SDK_CLIENTS.openai,
)
