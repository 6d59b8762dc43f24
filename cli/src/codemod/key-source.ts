import { type Expression, Node, SyntaxKind } from 'ts-morph'

/** Where a provider key comes from. Never carries the key's value: a literal is reported as `literal` only. */
export type KeySource =
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'storage'; readonly detail: string }
  | { readonly kind: 'parameter'; readonly name: string }
  | { readonly kind: 'literal' }
  | { readonly kind: 'unknown'; readonly detail: string }

/** `import.meta.env.X`, `process.env.X`, `process.env['X']` → `X`. */
export function envVariableOf(node: Node): string | undefined {
  if (Node.isPropertyAccessExpression(node)) {
    const target = node.getExpression().getText().replace(/\s+/g, '')
    if (target === 'import.meta.env' || target === 'process.env') return node.getName()
  }
  if (Node.isElementAccessExpression(node)) {
    const target = node.getExpression().getText().replace(/\s+/g, '')
    const arg = node.getArgumentExpression()
    if ((target === 'import.meta.env' || target === 'process.env') && Node.isStringLiteral(arg)) {
      return arg.getLiteralValue()
    }
  }
  return undefined
}

/** Peels `x as string`, `x!`, `(x)`, `x ?? ''`, `x || ''` down to the expression that holds the key. */
function unwrap(node: Node): Node {
  let current = node
  for (;;) {
    if (
      Node.isAsExpression(current) ||
      Node.isNonNullExpression(current) ||
      Node.isParenthesizedExpression(current)
    ) {
      current = current.getExpression()
    } else if (Node.isBinaryExpression(current)) {
      const op = current.getOperatorToken().getKind()
      if (op !== SyntaxKind.QuestionQuestionToken && op !== SyntaxKind.BarBarToken) return current
      current = current.getLeft()
    } else {
      return current
    }
  }
}

/** `x as T`, `x!`, `(x)` → `x`. */
export function peelCasts(node: Node): Node {
  let current = node
  while (
    Node.isAsExpression(current) ||
    Node.isNonNullExpression(current) ||
    Node.isParenthesizedExpression(current)
  ) {
    current = current.getExpression()
  }
  return current
}

/** The right side of the outermost `a ?? b` / `a || b` under casts and parentheses. */
function fallbackOf(node: Node): Node | undefined {
  const current = peelCasts(node)
  if (!Node.isBinaryExpression(current)) return undefined
  const op = current.getOperatorToken().getKind()
  return op === SyntaxKind.QuestionQuestionToken || op === SyntaxKind.BarBarToken
    ? current.getRight()
    : undefined
}

function isEmptyLiteral(node: Node): boolean {
  return (
    (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) &&
    node.getLiteralValue() === ''
  )
}

/**
 * Follows a key expression back to its source(s): env reads, web storage, a function parameter, a literal.
 * A template such as `Bearer ${key}` yields the sources of its substitutions.
 */
export function traceKeySources(expression: Expression | Node, depth = 0): KeySource[] {
  const node = unwrap(expression)
  if (depth > 6) return [{ kind: 'unknown', detail: node.getKindName() }]
  const fallback = fallbackOf(expression)
  // `settings.apiKey || import.meta.env.VITE_OPENAI_API_KEY`: the default is a key source too (a literal `''` is not).
  if (fallback && !isEmptyLiteral(fallback)) {
    return [...traceKeySources(node, depth + 1), ...traceKeySources(fallback, depth + 1)]
  }
  const variable = envVariableOf(node)
  if (variable) return [{ kind: 'env', variable }]
  if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return [{ kind: 'literal' }]
  if (Node.isTemplateExpression(node)) {
    return node.getTemplateSpans().flatMap((span) => traceKeySources(span.getExpression(), depth + 1))
  }
  if (Node.isCallExpression(node)) {
    const callee = node.getExpression().getText()
    if (/(^|\.)(localStorage|sessionStorage)\.getItem$/.test(callee)) {
      const arg = node.getArguments()[0]
      const detail =
        arg && Node.isStringLiteral(arg) ? `${callee}('${arg.getLiteralValue()}')` : `${callee}(…)`
      return [{ kind: 'storage', detail }]
    }
  }
  if (Node.isIdentifier(node)) {
    for (const declaration of node.getSymbol()?.getDeclarations() ?? []) {
      if (Node.isParameterDeclaration(declaration)) return [{ kind: 'parameter', name: node.getText() }]
      if (Node.isVariableDeclaration(declaration)) {
        const init = declaration.getInitializer()
        if (init) return traceKeySources(init, depth + 1)
      }
      if (Node.isBindingElement(declaration)) return [{ kind: 'parameter', name: node.getText() }]
    }
    return [{ kind: 'unknown', detail: `identifier ${node.getText()}` }]
  }
  return [{ kind: 'unknown', detail: node.getKindName() }]
}

/** One line for reports: `env VITE_OPENAI_API_KEY`, `localStorage.getItem('k')`, `parameter apiKey`, `a string literal`. */
export function describeKeySource(source: KeySource): string {
  switch (source.kind) {
    case 'env':
      return `env ${source.variable}`
    case 'storage':
      return source.detail
    case 'parameter':
      return `parameter ${source.name}`
    case 'literal':
      return 'a string literal in the source'
    case 'unknown':
      return `an expression the codemod cannot trace (${source.detail})`
  }
}
