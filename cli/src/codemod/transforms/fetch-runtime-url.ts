import type { SourceFile } from 'ts-morph'
import { detectSinks, type RuntimeFetchSink } from '../detect.js'
import { applyEdits, lineOf, rewriteSinks } from '../edit-utils.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'

/**
 * ``fetch(`${baseUrl}/chat/completions`, { headers: { Authorization: `Bearer ${key}` } })`` with a host chosen at
 * runtime → ``byok.fetch(byok.relayUrlIfProvider(`${baseUrl}/chat/completions`), { … })``: provider origins are
 * mapped to the relay when the call runs, local and unknown origins stay direct. The credential stays in the
 * source because a local endpoint may need it; `byok.fetch` drops it from calls bound for the relay. Every
 * rewrite is also a review item: the provider is a runtime fact.
 */
export const fetchRuntimeUrl: Transform = {
  id: 'fetch-runtime-url',
  title:
    'fetch() calls to runtime-chosen AI endpoints map provider URLs to the relay at runtime (review each)',
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    const detect = () =>
      detectSinks(file).filter(
        (s): s is RuntimeFetchSink => s.kind === 'fetch' && s.transport === 'runtime-fetch',
      )
    return rewriteSinks(detect, (sink) => {
      const callee = sink.call.getExpression()
      const url = sink.call.getArguments()[0]!
      const diagnostic: Diagnostic = {
        file: ctx.file,
        line: lineOf(sink.call),
        reason: `fetch to an AI endpoint chosen at runtime (${url.getText().slice(0, 60)}): provider URLs now go through the relay, others stay direct with their credential`,
        suggestion: `Review: where the URL is a provider's, stop collecting the provider key (the relay stores it); keep it only for local endpoints`,
      }
      applyEdits(sink.call.getSourceFile(), [
        { start: callee.getStart(), end: callee.getEnd(), text: `${ctx.byok}.fetch` },
        { start: url.getStart(), end: url.getStart(), text: `${ctx.byok}.relayUrlIfProvider(` },
        { start: url.getEnd(), end: url.getEnd(), text: ')' },
      ])
      return { rewritten: true, diagnostic }
    })
  },
}
