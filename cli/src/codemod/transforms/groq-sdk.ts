import { SDK_CLIENTS } from '../mappings/providers.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/** `new Groq({ apiKey, … })` (an OpenAI clone) → relay baseURL (the SDK adds `/openai/v1` itself), placeholder apiKey, `fetch: byok.fetch`. */
export const groqSdk = createSdkOptionsTransform(
  'groq-sdk',
  'Groq SDK clients (groq-sdk) go through the relay',
  SDK_CLIENTS.groq,
)
