import { Node, type SourceFile } from 'ts-morph'
import { detectSinks, resolveProviderUrl, type SdkSink } from '../detect.js'
import {
  applyEdits,
  eachSinkFromEnd,
  identifiersIn,
  indentOf,
  lineOf,
  removeUnusedKeyConsts,
  startsOwnLine,
  type TextEdit,
} from '../edit-utils.js'
import type { SdkClientMapping } from '../mappings/providers.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'

/**
 * The relay ignores client credentials and `byok.fetch` sets `x-relay-token` on every relay call, so the SDK's
 * own `apiKey` only has to be non-empty: this placeholder is sent in the SDK's auth header and never upstream.
 * This keeps the rewrite synchronous (the helper's `sdkOptions()` is async and would change call sites).
 */
export const SDK_API_KEY_PLACEHOLDER = 'byok-relay'

/** Rewrites one SDK constructor's options in place; returns a diagnostic instead when it cannot do so safely. */
function rewrite(
  sink: SdkSink,
  mapping: SdkClientMapping,
  ctx: TransformContext,
): Diagnostic | 'rewritten' | 'skipped' {
  const { options } = sink
  const where = { file: ctx.file, line: lineOf(sink.node) }
  if (!options) {
    return {
      ...where,
      reason: `new ${sink.className}(…) without an inline options object: the key option cannot be rewritten safely`,
      suggestion: `Pass { apiKey: '${SDK_API_KEY_PLACEHOLDER}', baseURL: ${ctx.byok}.baseUrl('${mapping.provider}')${mapping.basePath ? ` + '${mapping.basePath}'` : ''}, fetch: ${ctx.byok}.fetch, dangerouslyAllowBrowser: true }`,
    }
  }
  let baseUrl = `${ctx.byok}.baseUrl(${ctx.quote}${mapping.provider}${ctx.quote})`
  if (mapping.basePath) baseUrl += ` + ${ctx.quote}${mapping.basePath}${ctx.quote}`
  const baseProp = options.getProperty('baseURL')
  if (baseProp) {
    const value = Node.isPropertyAssignment(baseProp) ? baseProp.getInitializer() : undefined
    const target = value && resolveProviderUrl(value)
    if (!target) {
      // A local/self-hosted endpoint (Ollama) is not a provider: leave it alone. A runtime value needs a person.
      if (value && (Node.isStringLiteral(value) || Node.isNoSubstitutionTemplateLiteral(value)))
        return 'skipped'
      return {
        ...where,
        reason: `new ${sink.className}({ baseURL }) is chosen at runtime: the provider is unknown statically`,
        suggestion: `Set baseURL: ${ctx.byok}.relayUrlFor(<provider base URL>) and fetch: ${ctx.byok}.fetch for provider hosts only; keep local endpoints direct`,
      }
    }
  }
  const apiKey = options.getProperty('apiKey')
  if (!apiKey || !(Node.isPropertyAssignment(apiKey) || Node.isShorthandPropertyAssignment(apiKey))) {
    return {
      ...where,
      reason: `new ${sink.className}({ … }) has no inline apiKey option (the SDK would read a server env var)`,
      suggestion: `Add apiKey: '${SDK_API_KEY_PLACEHOLDER}', baseURL: ${baseUrl}, fetch: ${ctx.byok}.fetch`,
    }
  }
  const keyNames = identifiersIn(
    Node.isPropertyAssignment(apiKey) ? apiKey.getInitializerOrThrow() : apiKey.getNameNode(),
  )
  const separator = startsOwnLine(apiKey) ? `,\n${indentOf(apiKey)}` : ', '
  const added = [`apiKey: ${ctx.quote}${SDK_API_KEY_PLACEHOLDER}${ctx.quote}`]
  const edits: TextEdit[] = []
  if (baseProp && Node.isPropertyAssignment(baseProp)) {
    const value = baseProp.getInitializerOrThrow()
    edits.push({
      start: value.getStart(),
      end: value.getEnd(),
      text: `${ctx.byok}.relayUrlFor(${value.getText()})`,
    })
  } else {
    added.push(`baseURL: ${baseUrl}`)
  }
  added.push(`fetch: ${ctx.byok}.fetch`)
  if (!options.getProperty('dangerouslyAllowBrowser')) added.push('dangerouslyAllowBrowser: true')
  const file = apiKey.getSourceFile()
  edits.push({ start: apiKey.getStart(), end: apiKey.getEnd(), text: added.join(separator) })
  applyEdits(file, edits)
  removeUnusedKeyConsts(file, keyNames)
  return 'rewritten'
}

/** Builds the transform for SDKs whose constructor takes `{ apiKey, baseURL, fetch, dangerouslyAllowBrowser }`. */
export function createSdkOptionsTransform(
  id: string,
  title: string,
  mappings: readonly SdkClientMapping[],
): Transform {
  return {
    id,
    title,
    apply(file: SourceFile, ctx: TransformContext): TransformResult {
      const detect = () =>
        detectSinks(file).filter(
          (s): s is SdkSink & { mapping: SdkClientMapping } =>
            s.kind === 'sdk' && !!s.mapping && mappings.some((m) => m.module === s.mapping?.module),
        )
      const diagnostics: Diagnostic[] = []
      const changes = eachSinkFromEnd(detect, (sink) => {
        const outcome = rewrite(sink, sink.mapping, ctx)
        if (outcome === 'rewritten') return true
        if (outcome !== 'skipped') diagnostics.push(outcome)
        return false
      })
      return { changes, diagnostics: diagnostics.reverse() }
    },
  }
}
