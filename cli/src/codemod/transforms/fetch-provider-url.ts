import { Node, type SourceFile, SyntaxKind } from 'ts-morph'
import { detectSinks, type FetchSink } from '../detect.js'
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
import { DIRECT_ACCESS_HEADERS, QUERY_KEY_PARAM } from '../mappings/providers.js'
import { propertyName } from '../provider-url.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'

/** The edit removing `?key=${…}` / `&key=${…}` from a URL template (the rest stays byte for byte). */
function dropQueryKey(sink: FetchSink): TextEdit | undefined {
  const query = sink.url.queryKey
  if (!query) return undefined
  const { template, expression } = query
  const text = template.getText()
  const base = template.getStart()
  const open = text.lastIndexOf('${', expression.getStart() - base)
  const close = text.indexOf('}', expression.getEnd() - base)
  const from = open - (QUERY_KEY_PARAM.length + 2) // the `?` or `&`, the name and `=`
  let after = text.slice(close + 1)
  // `?key=${k}&alt=sse` → `?alt=sse`
  if (text[from] === '?' && after.startsWith('&')) after = `?${after.slice(1)}`
  return { start: base, end: template.getEnd(), text: text.slice(0, from) + after }
}

/** Edits removing the auth headers (and the direct-browser-access flag); the whole `headers` if nothing is left. */
function dropAuthHeaders(sink: FetchSink): TextEdit[] {
  const headers = sink.headers
  if (!headers) return []
  const properties = headers.getProperties()
  const doomed = properties.filter(
    (p) =>
      (Node.isPropertyAssignment(p) && sink.authHeaders.includes(p)) ||
      DIRECT_ACCESS_HEADERS.has(propertyName(p) ?? ''),
  )
  const holder = headers.getParent()
  if (doomed.length === properties.length && Node.isPropertyAssignment(holder))
    return [removePropertyEdit(holder)]
  return doomed.map(removePropertyEdit)
}

/** The name of a `const` holding a `?key=` URL template when something besides this call also reads it. */
function sharedUrlConstant(sink: FetchSink): string | undefined {
  const template = sink.url.queryKey?.template
  const declaration = template?.getParent()
  if (!template || !Node.isVariableDeclaration(declaration)) return undefined
  const name = declaration.getName()
  const uses = sink.call
    .getSourceFile()
    .getDescendantsOfKind(SyntaxKind.Identifier)
    .filter((id) => id.getText() === name)
  // The declaration itself and this call's argument.
  return uses.length > 2 ? name : undefined
}

/**
 * `fetch(…)` becomes `byok.fetch(…)`; `fetchEventSource(url, { … })` keeps its callee and gets `fetch: byok.fetch`
 * (its own option for the fetch it streams through), so its `onmessage`/`onerror` callbacks stay as they are.
 */
function transportEdit(
  sink: FetchSink,
  ctx: TransformContext,
  callee: Node,
  init: Node | undefined,
): { edit: TextEdit } | { problem: Diagnostic } {
  if (sink.via === 'fetch')
    return { edit: { start: callee.getStart(), end: callee.getEnd(), text: `${ctx.byok}.fetch` } }
  if (!init || !Node.isObjectLiteralExpression(init) || init.getProperty('fetch')) {
    return {
      problem: {
        file: ctx.file,
        line: lineOf(sink.call),
        reason: `fetchEventSource to ${sink.provider} with options the codemod cannot extend (built elsewhere, or a fetch of their own)`,
        suggestion: `Pass ${ctx.byok}.relayUrlFor(url) and fetch: ${ctx.byok}.fetch in its options, and drop the provider credential`,
      },
    }
  }
  // Right after `{`: never inside the range of a header property this rewrite removes.
  const first = init.getProperties()[0]
  const text =
    first && startsOwnLine(first)
      ? `\n${indentOf(first)}fetch: ${ctx.byok}.fetch,`
      : ` fetch: ${ctx.byok}.fetch,${first ? '' : ' '}`
  return { edit: { start: init.getStart() + 1, end: init.getStart() + 1, text } }
}

function rewrite(sink: FetchSink, ctx: TransformContext): Diagnostic | undefined {
  if (sink.authHeaders.length === 0 && !sink.url.queryKey) {
    return {
      file: ctx.file,
      line: lineOf(sink.call),
      reason: `fetch to a ${sink.provider} URL with headers built elsewhere: the credential cannot be located statically`,
      suggestion: `Call ${ctx.byok}.fetch(${ctx.byok}.relayUrlFor(url), init) and stop adding the provider key to the headers`,
    }
  }
  const file = sink.call.getSourceFile()
  const shared = sharedUrlConstant(sink)
  if (shared) {
    return {
      file: ctx.file,
      line: lineOf(sink.call),
      reason: `the ${sink.provider} URL constant ${shared} carries ?${QUERY_KEY_PARAM}= and is used in several places: cutting the key there changes every use`,
      suggestion: `Build the URL without ?${QUERY_KEY_PARAM}= and call ${ctx.byok}.fetch(${ctx.byok}.relayUrlFor(url), init) at each use`,
    }
  }
  const names = [
    ...sink.authHeaders.flatMap((p) => identifiersIn(p.getInitializerOrThrow())),
    ...(sink.url.queryKey ? identifiersIn(sink.url.queryKey.expression) : []),
  ]
  const callee = sink.call.getExpression()
  const [urlArg, init] = sink.call.getArguments() as [Node, Node | undefined]
  const transport = transportEdit(sink, ctx, callee, init)
  if ('problem' in transport) return transport.problem
  const edits: TextEdit[] = [
    transport.edit,
    { start: urlArg.getStart(), end: urlArg.getStart(), text: `${ctx.byok}.relayUrlFor(` },
    { start: urlArg.getEnd(), end: urlArg.getEnd(), text: ')' },
    ...dropAuthHeaders(sink),
  ]
  const queryEdit = dropQueryKey(sink)
  if (queryEdit) edits.push(queryEdit)
  applyEdits(file, edits)
  removeUnusedKeyConsts(file, names)
  return undefined
}

/**
 * `fetch('https://api.openai.com/…', { headers: { Authorization: `Bearer ${key}` } })` →
 * `byok.fetch(byok.relayUrlFor('https://api.openai.com/…'), { … })` without the auth header. Gemini's
 * `?key=${…}` is cut from the URL template (the relay attaches the stored key). A URL constant keeps its name
 * and value: `relayUrlFor` maps it at runtime, so comparisons with it elsewhere still hold.
 */
export const fetchProviderUrl: Transform = {
  id: 'fetch-provider-url',
  title: 'fetch() calls to provider hosts go through the relay (auth header or ?key= removed)',
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    return rewriteSinks(
      () => detectSinks(file).filter((s): s is FetchSink => s.kind === 'fetch' && s.transport === 'fetch'),
      (sink) => unlessProblem(rewrite(sink, ctx)),
    )
  },
}
