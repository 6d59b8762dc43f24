import {
  type CallExpression,
  type Expression,
  type NewExpression,
  Node,
  type ObjectLiteralExpression,
  type PropertyAssignment,
  type SourceFile,
  SyntaxKind,
  type TemplateExpression,
} from 'ts-morph'
import { type KeySource, traceKeySources } from './key-source.js'
import {
  AUTH_HEADERS,
  DETECT_ONLY_SDKS,
  providerForUrl,
  QUERY_KEY_PARAM,
  SDK_CLIENTS,
  type SdkClientMapping,
} from './mappings/providers.js'

/** A provider URL found statically: its provider and, for Gemini, the template span holding `?key=`. */
export interface ProviderUrl {
  readonly provider: string
  /** The node that spells the URL (a literal or template, possibly a const's initializer). */
  readonly node: Node
  /** Set when the URL carries the key as `?key=${…}` / `&key=${…}`. */
  readonly queryKey?: { readonly template: TemplateExpression; readonly expression: Expression }
}

export interface FetchSink {
  readonly kind: 'fetch'
  readonly call: CallExpression
  readonly provider: string
  readonly url: ProviderUrl
  /** Auth header properties in an inline `headers: { … }` object. */
  readonly authHeaders: readonly PropertyAssignment[]
  /** The inline headers object, when there is one. */
  readonly headers?: ObjectLiteralExpression
  /** True when headers are built elsewhere (a variable, `new Headers()`): auth cannot be checked statically. */
  readonly opaqueHeaders: boolean
  readonly keySources: readonly KeySource[]
}

export interface SdkSink {
  readonly kind: 'sdk'
  readonly node: NewExpression
  readonly provider: string
  readonly className: string
  readonly module: string
  /** The mapping when a transform can rewrite it; undefined for detect-only SDKs. */
  readonly mapping?: SdkClientMapping
  readonly options?: ObjectLiteralExpression
  readonly keySources: readonly KeySource[]
}

export type Sink = FetchSink | SdkSink

const FETCH_CALLEES = new Set(['fetch', 'window.fetch', 'globalThis.fetch', 'self.fetch'])

/** A literal URL must spell its whole authority before any substitution, or the host is not known. */
const STATIC_ORIGIN = /^https:\/\/[^/?#]+[/?#]/

/** Local name → `{ module, export }` for every ES import in the file. */
export function importBindings(file: SourceFile): Map<string, { module: string; exportName: string }> {
  const bindings = new Map<string, { module: string; exportName: string }>()
  for (const declaration of file.getImportDeclarations()) {
    const module = declaration.getModuleSpecifierValue()
    const def = declaration.getDefaultImport()
    if (def) bindings.set(def.getText(), { module, exportName: 'default' })
    for (const named of declaration.getNamedImports()) {
      bindings.set(named.getAliasNode()?.getText() ?? named.getName(), {
        module,
        exportName: named.getName(),
      })
    }
  }
  return bindings
}

/** The string a literal, a `const` initialised to one, or a template's literal prefix spells (depth-limited). */
function staticText(node: Node, depth = 0): { text: string; complete: boolean } | undefined {
  if (depth > 4) return undefined
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) {
    return { text: node.getLiteralValue(), complete: true }
  }
  if (Node.isTemplateExpression(node)) {
    const head = node.getHead().getLiteralText()
    if (head !== '') return { text: head, complete: false }
    // `${GEMINI_URL}?key=${k}`: the first substitution names a constant URL.
    const [first] = node.getTemplateSpans()
    const inner = first && staticText(first.getExpression(), depth + 1)
    if (!inner?.complete) return undefined
    return { text: inner.text + first!.getLiteral().getLiteralText(), complete: false }
  }
  if (Node.isIdentifier(node)) {
    const init = constInitializer(node)
    return init ? staticText(init, depth + 1) : undefined
  }
  return undefined
}

/** The initializer of a `const` the identifier refers to (in this file), if any. */
export function constInitializer(identifier: Node): Node | undefined {
  for (const declaration of identifier.getSymbol()?.getDeclarations() ?? []) {
    if (!Node.isVariableDeclaration(declaration)) continue
    if (declaration.getVariableStatement()?.getDeclarationKind() !== 'const') return undefined
    return declaration.getInitializer()
  }
  return undefined
}

/** Resolves a fetch URL argument to a provider (exact host match) or undefined. */
export function resolveProviderUrl(node: Node): ProviderUrl | undefined {
  const target = Node.isIdentifier(node) ? (constInitializer(node) ?? node) : node
  const found = staticText(target)
  if (!found) return undefined
  const text = found.text
  if (!found.complete && !STATIC_ORIGIN.test(text)) return undefined
  const provider = providerForUrl(text)
  if (!provider) return undefined
  if (Node.isTemplateExpression(target)) {
    const spans = target.getTemplateSpans()
    for (let i = 0; i < spans.length; i++) {
      const before = i === 0 ? target.getHead().getLiteralText() : spans[i - 1]!.getLiteral().getLiteralText()
      if (new RegExp(`[?&]${QUERY_KEY_PARAM}=$`).test(before)) {
        return {
          provider,
          node: target,
          queryKey: { template: target, expression: spans[i]!.getExpression() },
        }
      }
    }
  }
  return { provider, node: target }
}

/** The name of a property (`Authorization`, `'x-api-key'`, `["x-goog-api-key"]`) in lower case. */
export function propertyName(property: Node): string | undefined {
  if (!Node.isPropertyAssignment(property) && !Node.isShorthandPropertyAssignment(property)) return undefined
  const nameNode = property.getNameNode()
  if (Node.isIdentifier(nameNode)) return nameNode.getText().toLowerCase()
  if (Node.isStringLiteral(nameNode) || Node.isNoSubstitutionTemplateLiteral(nameNode)) {
    return nameNode.getLiteralValue().toLowerCase()
  }
  if (Node.isComputedPropertyName(nameNode)) {
    const inner = nameNode.getExpression()
    if (Node.isStringLiteral(inner)) return inner.getLiteralValue().toLowerCase()
  }
  return undefined
}

function findFetchSink(call: CallExpression): FetchSink | undefined {
  if (!FETCH_CALLEES.has(call.getExpression().getText())) return undefined
  const [urlArg, initArg] = call.getArguments()
  if (!urlArg) return undefined
  const url = resolveProviderUrl(urlArg)
  if (!url) return undefined
  let headers: ObjectLiteralExpression | undefined
  let opaqueHeaders = false
  if (initArg && Node.isObjectLiteralExpression(initArg)) {
    const prop = initArg.getProperty('headers')
    if (prop && Node.isPropertyAssignment(prop)) {
      const value = prop.getInitializer()
      if (value && Node.isObjectLiteralExpression(value)) headers = value
      else opaqueHeaders = true
    } else if (prop) {
      opaqueHeaders = true
    }
    if (initArg.getProperties().some((p) => Node.isSpreadAssignment(p))) opaqueHeaders = true
  } else if (initArg) {
    opaqueHeaders = true
  }
  if (headers?.getProperties().some((p) => Node.isSpreadAssignment(p))) opaqueHeaders = true
  const authHeaders = (headers?.getProperties() ?? []).filter(
    (p): p is PropertyAssignment => Node.isPropertyAssignment(p) && AUTH_HEADERS.has(propertyName(p) ?? ''),
  )
  // A provider URL with no visible credential and nothing opaque is not a key sink (e.g. a public endpoint).
  if (authHeaders.length === 0 && !url.queryKey && !opaqueHeaders) return undefined
  const keySources = [
    ...authHeaders.flatMap((p) => traceKeySources(p.getInitializerOrThrow())),
    ...(url.queryKey ? traceKeySources(url.queryKey.expression) : []),
  ]
  return { kind: 'fetch', call, provider: url.provider, url, authHeaders, headers, opaqueHeaders, keySources }
}

const SDK_TABLE = [
  ...[...SDK_CLIENTS.openai, ...SDK_CLIENTS.anthropic].map((m) => ({
    ...m,
    keyArg: 'options' as const,
    rewrite: true,
  })),
  ...DETECT_ONLY_SDKS.map((m) => ({ ...m, basePath: '', rewrite: false })),
]

/** True when an SDK options object already routes through the helper (the transform's own output). */
export function isIntegratedSdk(options: ObjectLiteralExpression | undefined): boolean {
  const fetchProp = options?.getProperty('fetch')
  return (
    !!fetchProp &&
    Node.isPropertyAssignment(fetchProp) &&
    /\bbyok\b/.test(fetchProp.getInitializer()?.getText() ?? '')
  )
}

function findSdkSink(node: NewExpression, imports: ReturnType<typeof importBindings>): SdkSink | undefined {
  const binding = imports.get(node.getExpression().getText())
  if (!binding) return undefined
  const entry = SDK_TABLE.find((e) => e.module === binding.module && e.exports.includes(binding.exportName))
  if (!entry) return undefined
  const [first] = node.getArguments()
  const options = first && Node.isObjectLiteralExpression(first) ? first : undefined
  if (isIntegratedSdk(options)) return undefined
  let keySources: KeySource[] = []
  if (entry.keyArg === 'positional') {
    keySources = first ? traceKeySources(first) : []
  } else if (options) {
    const apiKey = options.getProperty('apiKey')
    if (apiKey && Node.isPropertyAssignment(apiKey))
      keySources = traceKeySources(apiKey.getInitializerOrThrow())
    else if (apiKey && Node.isShorthandPropertyAssignment(apiKey))
      keySources = traceKeySources(apiKey.getNameNode())
  } else if (first) {
    keySources = [{ kind: 'unknown', detail: 'options built elsewhere' }]
  }
  return {
    kind: 'sdk',
    node,
    provider: entry.provider,
    className: node.getExpression().getText(),
    module: entry.module,
    mapping: entry.rewrite
      ? { module: entry.module, exports: entry.exports, provider: entry.provider, basePath: entry.basePath }
      : undefined,
    options,
    keySources,
  }
}

/**
 * Finds direct browser-side provider use by its sink: an official SDK constructor (by import, not by name),
 * or a fetch to an exact provider host that carries a credential (auth header or Gemini `?key=`).
 */
export function detectSinks(file: SourceFile): Sink[] {
  const imports = importBindings(file)
  const sinks: Sink[] = []
  file.forEachDescendant((node) => {
    if (Node.isNewExpression(node)) {
      const sink = findSdkSink(node, imports)
      if (sink) sinks.push(sink)
    } else if (node.getKind() === SyntaxKind.CallExpression) {
      const sink = findFetchSink(node as CallExpression)
      if (sink) sinks.push(sink)
    }
  })
  return sinks
}
