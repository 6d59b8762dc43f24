import type { SourceFile } from 'ts-morph'
import { detectSinks } from '../detect.js'
import { lineOf } from '../edit-utils.js'
import { AI_SDK_FACTORIES } from '../mappings/ai-sdk.js'
import type { SdkClientMapping } from '../mappings/providers.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'
import { createSdkOptionsTransform } from './sdk-options.js'

const FACTORY_MAPPINGS: readonly SdkClientMapping[] = AI_SDK_FACTORIES.map((f) => ({
  module: f.module,
  exports: [f.factory],
  provider: f.provider,
  basePath: f.basePath,
}))

const factories = createSdkOptionsTransform('ai-sdk-providers', '', FACTORY_MAPPINGS, {
  baseOption: 'baseURL',
  extras: (ctx) => [`fetch: ${ctx.byok}.fetch`],
  conflicts: ['fetch'],
})

/** A default instance reads `<PROVIDER>_API_KEY` from the environment: fine on a server, a leak or a crash in a browser. */
function reportInstances(file: SourceFile, ctx: TransformContext): Diagnostic[] {
  return detectSinks(file).flatMap((sink) => {
    if (sink.kind !== 'sdk' || sink.shape !== 'instance') return []
    const entry = AI_SDK_FACTORIES.find((f) => f.module === sink.module)
    if (!entry) return []
    return [
      {
        file: ctx.file,
        line: lineOf(sink.node),
        reason: `${sink.className} from ${sink.module} reads the ${sink.provider} key from a server env var; in browser code that key would have to be bundled`,
        suggestion: `If this runs in the browser, use ${entry.factory}({ apiKey: 'byok-relay', baseURL: ${ctx.byok}.baseUrl('${entry.provider}')${entry.basePath ? ` + '${entry.basePath}'` : ''}, fetch: ${ctx.byok}.fetch }) instead; on a server, leave it`,
      },
    ]
  })
}

/**
 * Vercel AI SDK provider factories (`createOpenAI({ apiKey, baseURL? })`, … see mappings/ai-sdk.ts) → relay
 * baseURL, placeholder apiKey, `fetch: byok.fetch`; local endpoints stay direct; runtime base URLs are mapped at
 * runtime and reported for review. Default instances (`import { openai } from '@ai-sdk/openai'`) are reported.
 */
export const aiSdkProviders: Transform = {
  id: 'ai-sdk-providers',
  title: 'Vercel AI SDK provider factories (createOpenAI, createAnthropic, …) go through the relay',
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    const result = factories.apply(file, ctx)
    return { changes: result.changes, diagnostics: [...result.diagnostics, ...reportInstances(file, ctx)] }
  },
}
