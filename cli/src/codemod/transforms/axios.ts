import { Node, type ObjectLiteralExpression, type SourceFile } from 'ts-morph'
import { type AxiosDefaultsSink, type AxiosSink, detectSinks } from '../detect.js'
import {
  applyEdits,
  identifiersIn,
  indentOf,
  lineOf,
  removePropertyEdit,
  removeUnusedKeyConsts,
  rewriteSinks,
  startsOwnLine,
  type TextEdit,
  unlessProblem,
} from '../edit-utils.js'
import { DIRECT_ACCESS_HEADERS } from '../mappings/providers.js'
import { propertyName } from '../provider-url.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'

/** Edits that drop the credential headers and add `adapter: byok.axiosAdapter` to an axios config literal. */
function configEdits(sink: AxiosSink, config: ObjectLiteralExpression, ctx: TransformContext): TextEdit[] {
  const adapter = `adapter: ${ctx.byok}.axiosAdapter`
  const headers = sink.headers
  const doomedHeaders = (headers?.getProperties() ?? []).filter(
    (p) =>
      (Node.isPropertyAssignment(p) && sink.authHeaders.includes(p)) ||
      DIRECT_ACCESS_HEADERS.has(propertyName(p) ?? ''),
  )
  const headersProp = headers?.getParent()
  const dropHeadersProp =
    !!headers &&
    doomedHeaders.length === headers.getProperties().length &&
    Node.isPropertyAssignment(headersProp)
  const edits: TextEdit[] = dropHeadersProp
    ? [removePropertyEdit(headersProp!)]
    : doomedHeaders.map(removePropertyEdit)
  const kept = config.getProperties().filter((p) => !(dropHeadersProp && p === headersProp))
  const first = kept[0]
  if (!first) return [{ start: config.getStart(), end: config.getEnd(), text: `{ ${adapter} }` }]
  const separator = startsOwnLine(first) ? `,\n${indentOf(first)}` : ', '
  edits.push({ start: first.getStart(), end: first.getStart(), text: `${adapter}${separator}` })
  return edits
}

function rewrite(sink: AxiosSink, ctx: TransformContext): Diagnostic | undefined {
  const where = { file: ctx.file, line: lineOf(sink.call) }
  const suggestion = `Point it at ${ctx.byok}.relayUrlFor(<provider URL>), add adapter: ${ctx.byok}.axiosAdapter and drop the credential header`
  if (sink.url.queryKey || (sink.authHeaders.length === 0 && sink.opaqueHeaders) || !sink.config) {
    return {
      ...where,
      reason: `axios call to ${sink.provider} whose credential is not in an inline headers object`,
      suggestion,
    }
  }
  if (sink.config.getProperty('adapter')) {
    return { ...where, reason: 'this axios config already sets its own adapter', suggestion }
  }
  const target = urlExpression(sink)
  if (!target) return { ...where, reason: 'the provider URL is not written at this call', suggestion }
  const names = sink.authHeaders.flatMap((p) => identifiersIn(p.getInitializerOrThrow()))
  const edits: TextEdit[] = [
    { start: target.getStart(), end: target.getStart(), text: `${ctx.byok}.relayUrlFor(` },
    { start: target.getEnd(), end: target.getEnd(), text: ')' },
    ...configEdits(sink, sink.config, ctx),
  ]
  const file = sink.call.getSourceFile()
  applyEdits(file, edits)
  removeUnusedKeyConsts(file, names)
  return undefined
}

/** The URL as written at the call (a literal, a template, or a constant's name — the constant keeps its value). */
function urlExpression(sink: AxiosSink): Node | undefined {
  if (
    sink.method === 'create' ||
    sink.method === 'request' ||
    Node.isObjectLiteralExpression(sink.call.getArguments()[0])
  ) {
    const prop = sink.config?.getProperty(sink.method === 'create' ? 'baseURL' : 'url')
    return prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined
  }
  return sink.call.getArguments()[0]
}

function reportDefaults(sink: AxiosDefaultsSink, ctx: TransformContext): Diagnostic {
  return {
    file: ctx.file,
    line: lineOf(sink.call),
    reason: 'a provider key is set as a default axios header: every request the app makes carries it',
    suggestion: `Delete this line; send provider calls through an axios instance with baseURL ${ctx.byok}.relayUrlFor(<provider URL>) and adapter: ${ctx.byok}.axiosAdapter`,
  }
}

/**
 * axios bound for a provider host: `axios.create({ baseURL, headers: { Authorization } })`, `axios.post(url,
 * data, { headers })`, `axios({ url, headers })` → the relay URL (`byok.relayUrlFor`, so a URL constant keeps
 * its value), no credential header, and `adapter: byok.axiosAdapter` (any axios version; it sends through
 * `byok.fetch`). Instance call sites (`api.post('/chat/completions')`) stay as they are. A provider key set in
 * `axios.defaults.headers` is reported, never rewritten: it rides on every request of the app.
 */
export const axiosProvider: Transform = {
  id: 'axios',
  title: 'axios instances and calls to provider hosts go through the relay (credential header removed)',
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    const { changes, diagnostics } = rewriteSinks(
      () => detectSinks(file).filter((s): s is AxiosSink => s.kind === 'fetch' && s.transport === 'axios'),
      (sink) => unlessProblem(rewrite(sink, ctx)),
    )
    const defaults = detectSinks(file).flatMap((sink) =>
      sink.kind === 'fetch' && sink.transport === 'axios-defaults' ? [reportDefaults(sink, ctx)] : [],
    )
    return { changes, diagnostics: [...diagnostics, ...defaults] }
  },
}
