import {
  type Expression,
  Node,
  type ObjectLiteralExpression,
  type PropertyAssignment,
  type SourceFile,
  SyntaxKind,
  type TemplateExpression,
} from 'ts-morph'
import { type KeySource, traceKeySources } from './key-source.js'
import { AUTH_HEADERS, providerForUrl, QUERY_KEY_PARAM } from './mappings/providers.js'

// Static reading of request shapes shared by every sink detector: which provider a URL expression names (exact
// host), which headers carry a credential, and where those credentials come from.

/** A provider URL found statically: its provider and, for Gemini, the template span holding `?key=`. */
export interface ProviderUrl {
  readonly provider: string
  /** The node that spells the URL (a literal or template, possibly a const's initializer). */
  readonly node: Node
  /** Set when the URL carries the key as `?key=${…}` / `&key=${…}`. */
  readonly queryKey?: { readonly template: TemplateExpression; readonly expression: Expression }
}

/** A literal URL must spell its whole authority before any substitution, or the host is not known. */
const STATIC_ORIGIN = /^(https|wss):\/\/[^/?#]+[/?#]/

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
  // `'https://api.openai.com/v1/' + path`, `BASE + '?key=' + k`: the left side spells the start.
  if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.PlusToken) {
    const left = staticText(node.getLeft(), depth + 1)
    const right = left?.complete ? staticText(node.getRight(), depth + 1) : undefined
    if (!left) return undefined
    return right
      ? { text: left.text + right.text, complete: right.complete }
      : { text: left.text, complete: false }
  }
  if (Node.isParenthesizedExpression(node)) return staticText(node.getExpression(), depth + 1)
  return undefined
}

/** The initializer of a `const` (or a never-reassigned `let`/`var`) the identifier refers to, if any. */
function constInitializer(identifier: Node): Node | undefined {
  for (const declaration of identifier.getSymbol()?.getDeclarations() ?? []) {
    if (!Node.isVariableDeclaration(declaration)) continue
    // Classic scripts spell constants with `var`/`let`: those count while nothing assigns them again.
    if (declaration.getVariableStatement()?.getDeclarationKind() !== 'const' && isReassigned(identifier))
      return undefined
    return declaration.getInitializer()
  }
  return undefined
}

function isReassigned(identifier: Node): boolean {
  const name = identifier.getText()
  return identifier
    .getSourceFile()
    .getDescendantsOfKind(SyntaxKind.BinaryExpression)
    .some((b) => b.getLeft().getText() === name && /^[-+*/|&?]?=$/.test(b.getOperatorToken().getText()))
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

/** The inline `headers` object of a fetch init / axios config, its credential properties, and whether some are hidden. */
export function inspectHeaders(initArg: Node | undefined): {
  headers?: ObjectLiteralExpression
  authHeaders: PropertyAssignment[]
  opaqueHeaders: boolean
} {
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
  return { headers, authHeaders, opaqueHeaders }
}

/** The literal text a URL expression ends with (`${base}/chat/completions`, `base + '/messages'`, a const). */
export function staticTail(node: Node, depth = 0): string | undefined {
  if (depth > 4) return undefined
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue()
  if (Node.isTemplateExpression(node)) return node.getTemplateSpans().at(-1)?.getLiteral().getLiteralText()
  if (Node.isBinaryExpression(node) && node.getOperatorToken().getKind() === SyntaxKind.PlusToken)
    return staticTail(node.getRight(), depth + 1)
  if (Node.isIdentifier(node)) {
    const init = constInitializer(node)
    return init ? staticTail(init, depth + 1) : undefined
  }
  return undefined
}

/** True when a URL expression spells a whole origin statically (so its provider, or its absence, is known). */
export function hasStaticOrigin(node: Node): boolean {
  const target = Node.isIdentifier(node) ? (constInitializer(node) ?? node) : node
  const found = staticText(target)
  return !!found && (found.complete || STATIC_ORIGIN.test(found.text))
}

/** Where the credentials of a provider request come from: its auth headers and a Gemini `?key=`. */
export function credentialSources(authHeaders: readonly PropertyAssignment[], url: ProviderUrl): KeySource[] {
  return [
    ...authHeaders.flatMap((p) => traceKeySources(p.getInitializerOrThrow())),
    ...(url.queryKey ? traceKeySources(url.queryKey.expression) : []),
  ]
}
