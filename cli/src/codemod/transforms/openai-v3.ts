import { SDK_CLIENTS } from '../mappings/providers.js'
import { createSdkOptionsTransform } from './sdk-options.js'

/**
 * openai@3: `new Configuration({ apiKey })` → `basePath` on the relay, placeholder apiKey, and the helper's axios
 * adapter in `baseOptions` (v3 sends every request through axios with those options merged in). Its `apiKey`
 * cannot carry the relay token: the constructor bakes `Bearer ${apiKey}` into a static header, so a function or
 * Promise would be stringified. The adapter sends through `byok.fetch`, which sets the token and runs the key prompt.
 */
export const openaiV3 = createSdkOptionsTransform(
  'openai-v3',
  'Legacy openai v3 clients (new Configuration + OpenAIApi) go through the relay',
  SDK_CLIENTS.openaiV3,
  {
    baseOption: 'basePath',
    extras: (ctx) => [`baseOptions: { adapter: ${ctx.byok}.axiosAdapter }`],
    conflicts: ['baseOptions'],
  },
)
