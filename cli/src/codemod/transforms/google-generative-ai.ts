import { type CallExpression, Node, type SourceFile } from 'ts-morph'
import { SDK_API_KEY_PLACEHOLDER, type SdkSink } from '../detect.js'
import {
  applyEdits,
  identifiersIn,
  lineOf,
  removeUnusedKeyConsts,
  rewriteSinks,
  type TextEdit,
  unlessProblem,
} from '../edit-utils.js'
import { SDK_CLIENTS } from '../mappings/providers.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'
import { sinksFor } from './sdk-options.js'

const MODEL_METHOD = 'getGenerativeModel'

/**
 * The `getGenerativeModel(params)` calls on the client, or a reason they cannot all be found: the base URL goes on
 * each of them (`requestOptions.baseUrl`), so one missed use would still call Google directly with a placeholder.
 */
function modelCalls(sink: SdkSink): CallExpression[] | string {
  const declaration = sink.node.getParent()
  const name = Node.isVariableDeclaration(declaration) ? declaration.getNameNode() : undefined
  if (!Node.isVariableDeclaration(declaration) || !Node.isIdentifier(name))
    return 'the client is not assigned to a plain variable'
  if (declaration.getVariableStatement()?.isExported())
    return 'the client is exported and used in other files'
  const calls: CallExpression[] = []
  for (const reference of name.findReferencesAsNodes()) {
    const access = reference.getParent()
    const call = access?.getParent()
    if (
      Node.isPropertyAccessExpression(access) &&
      access.getName() === MODEL_METHOD &&
      Node.isCallExpression(call) &&
      call.getExpression() === access
    ) {
      calls.push(call)
    } else {
      return `the client is used as ${access?.getText() ?? reference.getText()}, not only through ${MODEL_METHOD}()`
    }
  }
  return calls
}

/** The edit giving one `getGenerativeModel(params[, requestOptions])` call the relay base URL. */
function baseUrlEdit(call: CallExpression, baseUrl: string): TextEdit | string {
  const [params, requestOptions] = call.getArguments()
  if (!params) return `${MODEL_METHOD}() without arguments`
  if (!requestOptions)
    return { start: params.getEnd(), end: params.getEnd(), text: `, { baseUrl: ${baseUrl} }` }
  if (!Node.isObjectLiteralExpression(requestOptions) || requestOptions.getProperty('baseUrl'))
    return `${MODEL_METHOD}(…, ${requestOptions.getText()}) sets its own request options`
  const first = requestOptions.getProperties()[0]
  if (!first)
    return { start: requestOptions.getStart(), end: requestOptions.getEnd(), text: `{ baseUrl: ${baseUrl} }` }
  return { start: first.getStart(), end: first.getStart(), text: `baseUrl: ${baseUrl}, ` }
}

function rewrite(sink: SdkSink, ctx: TransformContext): Diagnostic | undefined {
  const line = lineOf(sink.node)
  const baseUrl = `${ctx.byok}.routeGlobalFetch().baseUrl(${ctx.quote}google${ctx.quote})`
  const manual = (why: string): Diagnostic => ({
    file: ctx.file,
    line,
    reason: `new ${sink.className}(key): ${why}, so the codemod cannot move every model to the relay`,
    suggestion: `Pass '${SDK_API_KEY_PLACEHOLDER}' as the key and { baseUrl: ${baseUrl} } as the second argument of every ${MODEL_METHOD}() call`,
  })
  const key = Node.isNewExpression(sink.node) ? sink.node.getArguments()[0] : undefined
  if (!key) return manual('no key argument')
  const calls = modelCalls(sink)
  if (typeof calls === 'string') return manual(calls)
  const edits: TextEdit[] = [
    { start: key.getStart(), end: key.getEnd(), text: `${ctx.quote}${SDK_API_KEY_PLACEHOLDER}${ctx.quote}` },
  ]
  for (const call of calls) {
    const edit = baseUrlEdit(call, baseUrl)
    if (typeof edit === 'string') return manual(edit)
    edits.push(edit)
  }
  const keyNames = identifiersIn(key)
  const file = sink.node.getSourceFile()
  applyEdits(file, edits)
  removeUnusedKeyConsts(file, keyNames)
  return undefined
}

/**
 * `new GoogleGenerativeAI(key)` → the placeholder key, and `{ baseUrl: byok.routeGlobalFetch().baseUrl('google') }`
 * on every `getGenerativeModel()` of that client (the legacy SDK has no constructor option for it and no fetch
 * option: `routeGlobalFetch` sends its global fetches to the relay through `byok.fetch`).
 */
export const googleGenerativeAi: Transform = {
  id: 'google-generative-ai',
  title:
    'Legacy Gemini SDK clients (@google/generative-ai) go through the relay, on every getGenerativeModel()',
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    return rewriteSinks(
      () => sinksFor(file, SDK_CLIENTS.googleGenerativeAI),
      (sink) => unlessProblem(rewrite(sink, ctx)),
    )
  },
}
