import type { Transform } from '../types.js'
import { aiSdkProviders } from './ai-sdk-providers.js'
import { anthropicSdk } from './anthropic-sdk.js'
import { axiosProvider } from './axios.js'
import { fetchProviderUrl } from './fetch-provider-url.js'
import { fetchRuntimeUrl } from './fetch-runtime-url.js'
import { googleGenai } from './google-genai.js'
import { googleGenerativeAi } from './google-generative-ai.js'
import { groqSdk } from './groq-sdk.js'
import { mistralSdk } from './mistral-sdk.js'
import { openaiSdk } from './openai-sdk.js'
import { openaiV3 } from './openai-v3.js'
import { viteDefine } from './vite-define.js'

/**
 * The steps, in order. SDK constructors first: their sinks are self-contained option objects, and rewriting them
 * before fetch calls means a file mixing both is edited from the most specific pattern to the most general.
 * `google-generative-ai` edits call sites beyond its constructor (`getGenerativeModel`), so it follows the
 * constructor-only steps. AI SDK factories and axios come next (still a provider host written in the source);
 * `fetch-provider-url` runs after them because it also rewrites URL constants' templates (`?key=`), which an earlier
 * step must never see half-edited. `fetch-runtime-url` runs after every static-host step so that only calls whose
 * host is truly unknown reach it, and `vite-define` (build config, no helper) is last. Steps never depend on each
 * other's output, so `--only <id>` is safe.
 */
export const TRANSFORMS: readonly Transform[] = [
  openaiSdk,
  anthropicSdk,
  groqSdk,
  mistralSdk,
  openaiV3,
  googleGenai,
  googleGenerativeAi,
  aiSdkProviders,
  axiosProvider,
  fetchProviderUrl,
  fetchRuntimeUrl,
  viteDefine,
]
