import { Node, type ObjectLiteralExpression, type PropertyAssignment, type SourceFile } from 'ts-morph'
import { baseUrlOption, detectSinks, SDK_API_KEY_PLACEHOLDER, type SdkSink } from '../detect.js'
import {
  applyEdits,
  identifiersIn,
  indentOf,
  lineOf,
  removeUnusedKeyConsts,
  rewriteSinks,
  type SinkOutcome,
  startsOwnLine,
  type TextEdit,
} from '../edit-utils.js'
import type { SdkClientMapping } from '../mappings/providers.js'
import { hasStaticOrigin, resolveProviderUrl } from '../provider-url.js'
import type { Transform, TransformContext, TransformResult } from '../types.js'

export { SDK_API_KEY_PLACEHOLDER }

/**
 * How one family of clients takes its endpoint and its transport. The relay ignores client credentials and the
 * helper sets `x-relay-token` on every relay call, so the client's own key only has to be non-empty: the
 * placeholder keeps the rewrite synchronous (the helper's `sdkOptions()` is async and would change call sites).
 */
interface OptionsShape {
  /** The option holding the endpoint (`baseURL`, `serverURL`, `basePath`). */
  readonly baseOption: string
  /** The expression that makes URLs go through the helper: `byok` or `byok.routeGlobalFetch()`. */
  readonly via?: (ctx: TransformContext) => string
  /** Options added after the endpoint, e.g. `fetch: byok.fetch`. */
  readonly extras: (ctx: TransformContext, options: ObjectLiteralExpression) => string[]
  /** Options that, when present, mean the client is wired by hand: report instead of rewriting. */
  readonly conflicts?: readonly string[]
  /** How the endpoint option is spelled when added (default `<baseOption>: <expression>`). */
  readonly baseEntry?: (expression: string) => string
  /** Run after a rewrite (e.g. add an import the extras need). */
  readonly after?: (file: SourceFile, ctx: TransformContext) => void
}

/** OpenAI-style SDKs (`openai`, `@anthropic-ai/sdk`, `groq-sdk`): `{ apiKey, baseURL, fetch, dangerouslyAllowBrowser }`. */
const OPENAI_STYLE: OptionsShape = {
  baseOption: 'baseURL',
  extras: (ctx, options) => [
    `fetch: ${ctx.byok}.fetch`,
    ...(options.getProperty('dangerouslyAllowBrowser') ? [] : ['dangerouslyAllowBrowser: true']),
  ],
  conflicts: ['fetch'],
}

function quoted(ctx: TransformContext, text: string): string {
  return `${ctx.quote}${text}${ctx.quote}`
}

/** `byok.baseUrl('openai') + '/v1'`. */
function relayBaseExpression(ctx: TransformContext, mapping: SdkClientMapping, via: string): string {
  const base = `${via}.baseUrl(${quoted(ctx, mapping.provider)})`
  return mapping.basePath ? `${base} + ${quoted(ctx, mapping.basePath)}` : base
}

/** The separator between options added beside `anchor`, matching one-per-line or inline objects. */
function separatorFor(anchor: Node): string {
  return startsOwnLine(anchor) ? `,\n${indentOf(anchor)}` : ', '
}

/** True when the property sits on its own line and a comment follows it there (`apiKey: k, // from .env`). */
function hasTrailingComment(property: Node): boolean {
  if (!startsOwnLine(property)) return false
  const text = property.getSourceFile().getFullText()
  const newline = text.indexOf('\n', property.getEnd())
  const rest = text.slice(property.getEnd(), newline === -1 ? text.length : newline)
  return /^\s*,?\s*(\/\/|\/\*)/.test(rest)
}

/** A base URL chosen at runtime: map it at runtime, keep the key for local endpoints, and ask for a review. */
function rewriteRuntimeBase(
  sink: SdkSink,
  base: PropertyAssignment,
  shape: OptionsShape,
  ctx: TransformContext,
  via: string,
): SinkOutcome {
  const options = sink.options!
  const line = lineOf(sink.node)
  const value = base.getInitializerOrThrow()
  const added = shape.extras(ctx, options)
  applyEdits(options.getSourceFile(), [
    { start: value.getStart(), end: value.getEnd(), text: `${via}.relayUrlIfProvider(${value.getText()})` },
    {
      start: base.getEnd(),
      end: base.getEnd(),
      text: `${separatorFor(base)}${added.join(separatorFor(base))}`,
    },
  ])
  shape.after?.(options.getSourceFile(), ctx)
  return {
    rewritten: true,
    diagnostic: {
      file: ctx.file,
      line,
      reason: `${sink.className}'s ${shape.baseOption} is chosen at runtime: provider URLs now go through the relay, other URLs (local servers) stay direct with the key kept in the options`,
      suggestion: `Review: if this client only talks to providers, replace the key with '${SDK_API_KEY_PLACEHOLDER}' and stop collecting the provider key in the app`,
    },
  }
}

function rewrite(
  sink: SdkSink,
  mapping: SdkClientMapping,
  shape: OptionsShape,
  ctx: TransformContext,
): SinkOutcome {
  const { options } = sink
  const where = { file: ctx.file, line: lineOf(sink.node) }
  const via = shape.via?.(ctx) ?? ctx.byok
  const relayBase = relayBaseExpression(ctx, mapping, via)
  const wanted = [
    `apiKey: ${quoted(ctx, SDK_API_KEY_PLACEHOLDER)}`,
    shape.baseEntry?.(relayBase) ?? `${shape.baseOption}: ${relayBase}`,
  ]
  if (!options) {
    return {
      rewritten: false,
      diagnostic: {
        ...where,
        reason: `${sink.className}(…) without an inline options object: the key option cannot be rewritten safely`,
        suggestion: `Pass { ${[...wanted, `fetch: ${ctx.byok}.fetch`].join(', ')} } (see the client helper README)`,
      },
    }
  }
  const conflict = shape.conflicts?.find((name) => options.getProperty(name))
  if (conflict) {
    return {
      rewritten: false,
      diagnostic: {
        ...where,
        reason: `${sink.className}({ ${conflict} }) already customises the transport: the codemod will not replace it`,
        suggestion: `Route its requests through ${ctx.byok}.fetch and set ${shape.baseOption}: ${relayBase}`,
      },
    }
  }
  const baseProp = baseUrlOption(options)
  if (!baseProp && options.getProperty(shape.baseOption)) {
    return {
      rewritten: false,
      diagnostic: {
        ...where,
        reason: `${sink.className}({ ${shape.baseOption} }) is set in a form the codemod does not edit`,
        suggestion: `Set ${wanted[1]} by hand and apiKey: ${quoted(ctx, SDK_API_KEY_PLACEHOLDER)}`,
      },
    }
  }
  const baseValue = baseProp?.getInitializer()
  if (baseProp && baseValue && !resolveProviderUrl(baseValue)) {
    // A static local/self-hosted endpoint (Ollama) is not a provider: leave it alone.
    if (hasStaticOrigin(baseValue)) return { rewritten: false }
    return rewriteRuntimeBase(sink, baseProp, shape, ctx, via)
  }
  const apiKey = options.getProperty('apiKey')
  if (!apiKey || !(Node.isPropertyAssignment(apiKey) || Node.isShorthandPropertyAssignment(apiKey))) {
    return {
      rewritten: false,
      diagnostic: {
        ...where,
        reason: `${sink.className}({ … }) has no inline apiKey option (the SDK would read a server env var)`,
        suggestion: `Add ${[...wanted, ...shape.extras(ctx, options)].join(', ')}`,
      },
    }
  }
  const keyNames = identifiersIn(
    Node.isPropertyAssignment(apiKey) ? apiKey.getInitializerOrThrow() : apiKey.getNameNode(),
  )
  const added = [wanted[0]!]
  const edits: TextEdit[] = []
  if (baseValue) {
    edits.push({
      start: baseValue.getStart(),
      end: baseValue.getEnd(),
      text: `${via}.relayUrlFor(${baseValue.getText()})`,
    })
  } else {
    added.push(wanted[1]!)
  }
  added.push(...shape.extras(ctx, options))
  const file = apiKey.getSourceFile()
  if (hasTrailingComment(apiKey)) {
    // `apiKey: …, // note`: the note belongs to the key line, so the new options go on their own lines above it.
    const text = file.getFullText()
    const lineStart = text.lastIndexOf('\n', apiKey.getStart() - 1) + 1
    const [placeholder, ...rest] = added
    edits.push({ start: apiKey.getStart(), end: apiKey.getEnd(), text: placeholder! })
    edits.push({
      start: lineStart,
      end: lineStart,
      text: rest.map((option) => `${indentOf(apiKey)}${option},\n`).join(''),
    })
  } else {
    edits.push({ start: apiKey.getStart(), end: apiKey.getEnd(), text: added.join(separatorFor(apiKey)) })
  }
  applyEdits(file, edits)
  removeUnusedKeyConsts(file, keyNames)
  shape.after?.(file, ctx)
  return { rewritten: true }
}

/** The SDK sinks one transform owns: same module and export list as one of its mappings. */
export function sinksFor(file: SourceFile, mappings: readonly SdkClientMapping[]) {
  return detectSinks(file).filter(
    (s): s is SdkSink & { mapping: SdkClientMapping } =>
      s.kind === 'sdk' &&
      !!s.mapping &&
      mappings.some((m) => m.module === s.mapping?.module && m.exports.join() === s.mapping.exports.join()),
  )
}

/** Builds the transform for clients configured by one options object (`new X({ … })` or `createX({ … })`). */
export function createSdkOptionsTransform(
  id: string,
  title: string,
  mappings: readonly SdkClientMapping[],
  shape: OptionsShape = OPENAI_STYLE,
): Transform {
  return {
    id,
    title,
    apply(file: SourceFile, ctx: TransformContext): TransformResult {
      return rewriteSinks(
        () => sinksFor(file, mappings),
        (sink) => rewrite(sink, sink.mapping, shape, ctx),
      )
    },
  }
}
