import { Node, type SourceFile, SyntaxKind, type VariableDeclaration } from 'ts-morph'
import { envVariableOf, peelCasts } from './key-source.js'
import type { Diagnostic, TransformResult } from './types.js'
import { removeUnusedKeyParameters } from './unused-parameters.js'

/** The whitespace before `node` on its line (for properties inserted beside it). */
export function indentOf(node: Node): string {
  const text = node.getSourceFile().getFullText()
  const start = node.getStart()
  const lineStart = text.lastIndexOf('\n', start - 1) + 1
  const prefix = text.slice(lineStart, start)
  return /^\s*$/.test(prefix) ? prefix : ''
}

/** True when `node` starts on a line of its own (a multi-line object literal). */
export function startsOwnLine(node: Node): boolean {
  const text = node.getSourceFile().getFullText()
  const lineStart = text.lastIndexOf('\n', node.getStart() - 1) + 1
  return /^\s*$/.test(text.slice(lineStart, node.getStart()))
}

/** The quote the file already uses (first import specifier, else first string literal); single by default. */
export function detectQuote(file: SourceFile): "'" | '"' {
  const first =
    file.getImportDeclarations()[0]?.getModuleSpecifier() ??
    file.getFirstDescendantByKind(SyntaxKind.StringLiteral)
  return first?.getText().startsWith('"') ? '"' : "'"
}

/** True when the file ends its statements with `;` (judged from the first import, else the first statement). */
export function usesSemicolons(file: SourceFile): boolean {
  const first = file.getImportDeclarations()[0] ?? file.getStatements()[0]
  return first ? first.getText().trimEnd().endsWith(';') : true
}

/** Names read from a key expression that may become unused once the sink is rewritten. */
export function identifiersIn(node: Node): string[] {
  const names = Node.isIdentifier(node) ? [node.getText()] : []
  for (const id of node.getDescendantsOfKind(SyntaxKind.Identifier))
    if (isBindingUse(id)) names.push(id.getText())
  return names
}

/**
 * Names the markup around a script block reads (`{apiKey}`, Svelte's `$apiKey` store, a Vue template binding, an
 * inline `onclick="send()"`): the block's own AST cannot see those reads, so cleanup must not remove them.
 */
const markupReads = new WeakMap<SourceFile, ReadonlySet<string>>()

/** Records what the markup around `file` (a script block of a .svelte/.vue/.astro/.html file) reads. */
export function noteMarkupReads(file: SourceFile, markup: string): void {
  const names = new Set<string>()
  // Every identifier-like word counts, `$store` as `store` too: a false match only keeps a declaration.
  for (const [word] of markup.matchAll(/[A-Za-z_$][\w$]*/g)) names.add(word.replace(/^\$+/, ''))
  markupReads.set(file, names)
}

const readByMarkup = (file: SourceFile, name: string) => markupReads.get(file)?.has(name) ?? false

/**
 * After a rewrite removed the last read of one of `names`, its declaration must not stay behind as a new unused
 * local (TS6133 under `noUnusedLocals`, `no-unused-vars`). A side-effect-free initializer (a literal such as a key
 * constant, an env or storage read, a property read) goes with the declaration, and what it read is looked at in
 * turn; any other initializer (`await getKeys()`, a call) is kept as a statement of its own. A function's last
 * parameter that only carried the key goes too (see unused-parameters.ts). Exported, multi-declaration and
 * destructuring declarations are left alone.
 */
export function removeUnusedKeyConsts(file: SourceFile, names: readonly string[]): void {
  // A parameter that only carried the key goes too (with its arguments, whose key reads may then go).
  const pending = [...names, ...removeUnusedKeyParameters(file, names)]
  const seen = new Set<string>()
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (seen.has(name) || readByMarkup(file, name)) continue
    seen.add(name)
    removeUnusedNamedImport(file, name)
    for (let guard = 0; guard < 100; guard++) {
      const declaration = file
        .getDescendantsOfKind(SyntaxKind.VariableDeclaration)
        .find((d) => Node.isIdentifier(d.getNameNode()) && d.getName() === name && isUnused(d))
      const statement = declaration?.getVariableStatement()
      if (!declaration || !statement || statement.isExported() || statement.getDeclarations().length !== 1)
        break
      const init = declaration.getInitializer()
      if (!init) break
      if (isSideEffectFree(init)) {
        const read = identifiersIn(init)
        removeLines(file, statement.getStart(), statement.getEnd())
        pending.push(...read)
      } else {
        const semicolon = statement.getText().trimEnd().endsWith(';') ? ';' : ''
        file.replaceText([statement.getStart(), statement.getEnd()], `${init.getText()}${semicolon}`)
      }
      seen.delete(name) // the same name may be declared (and now unused) in another function
    }
  }
}

/**
 * `import { GEMINI_API_KEY } from './config.js'` whose last read was rewritten away: the specifier goes, and the
 * declaration with its last binding (what TypeScript's emit and lint auto-fixes do with an unused import).
 */
function removeUnusedNamedImport(file: SourceFile, name: string): void {
  for (const declaration of file.getImportDeclarations()) {
    const named = declaration
      .getNamedImports()
      .find((n) => (n.getAliasNode() ?? n.getNameNode()).getText() === name)
    if (!named || bindingUses(file, name).length > 1) continue
    const bindings = declaration.getNamedImports().length + (declaration.getDefaultImport() ? 1 : 0)
    if (bindings === 1 && !declaration.getNamespaceImport())
      removeLines(file, declaration.getStart(), declaration.getEnd())
    else named.remove()
    return
  }
}

/** True when nothing in the declaration's scope reads its name (a shadowing inner name counts as a read: safe). */
function isUnused(declaration: VariableDeclaration): boolean {
  const name = declaration.getName()
  // The enclosing function (a `var` is function-scoped), else the file: a wider search only keeps more.
  const container =
    declaration.getFirstAncestor((a) => Node.isFunctionLikeDeclaration(a)) ?? declaration.getSourceFile()
  const reads = container
    .getDescendantsOfKind(SyntaxKind.Identifier)
    .filter((id) => id.getText() === name && id !== declaration.getNameNode() && isBindingUse(id))
  return reads.length === 0
}

/** Literals, env and storage reads, identifiers and property reads: dropping them changes nothing else. */
function isSideEffectFree(node: Node): boolean {
  const current = peelCasts(node)
  if (isKeyRead(current)) return true
  if (
    Node.isStringLiteral(current) ||
    Node.isNoSubstitutionTemplateLiteral(current) ||
    Node.isNumericLiteral(current) ||
    Node.isIdentifier(current)
  )
    return true
  if (Node.isTemplateExpression(current))
    return current.getTemplateSpans().every((span) => isSideEffectFree(span.getExpression()))
  if (Node.isBinaryExpression(current))
    return isSideEffectFree(current.getLeft()) && isSideEffectFree(current.getRight())
  if (Node.isPropertyAccessExpression(current)) return isSideEffectFree(current.getExpression())
  if (Node.isElementAccessExpression(current)) {
    const argument = current.getArgumentExpression()
    return isSideEffectFree(current.getExpression()) && !!argument && isSideEffectFree(argument)
  }
  if (Node.isParenthesizedExpression(current)) return isSideEffectFree(current.getExpression())
  return current.getKind() === SyntaxKind.MetaProperty
}

/** Removes the whole lines a statement occupies (a trailing comment on its last line goes with it), nothing else. */
export function removeLines(file: SourceFile, start: number, end: number): void {
  const text = file.getFullText()
  const lineStart = text.lastIndexOf('\n', start - 1) + 1
  const newline = text.indexOf('\n', end)
  const lineEnd = newline === -1 ? text.length : newline + 1
  const ownLines =
    /^\s*$/.test(text.slice(lineStart, start)) && /^\s*(\/\/.*)?$/.test(text.slice(end, lineEnd).trimEnd())
  // Whole lines between two blank lines: one blank line goes too, so no double gap is left behind.
  const blankAround =
    ownLines && /(^|\n)[ \t]*\n$/.test(text.slice(0, lineStart)) && /^[ \t]*\n/.test(text.slice(lineEnd))
  const [from, to] = ownLines
    ? [lineStart, blankAround ? text.indexOf('\n', lineEnd) + 1 : lineEnd]
    : [start, end]
  // A whole-text swap: ts-morph's range replacement fails when the removed statement is the file's first.
  file.replaceWithText(text.slice(0, from) + text.slice(to))
}

function isKeyRead(node: Node): boolean {
  const current = peelCasts(node)
  if (Node.isBinaryExpression(current)) return isKeyRead(current.getLeft())
  if (envVariableOf(current)) return true
  if (Node.isCallExpression(current))
    return /(^|\.)(localStorage|sessionStorage)\.getItem$/.test(current.getExpression().getText())
  return false
}

/** Identifiers in the file that refer to a binding named `name` (property names like `process.env` excluded). */
export function bindingUses(file: SourceFile, name: string): Node[] {
  return file
    .getDescendantsOfKind(SyntaxKind.Identifier)
    .filter((id) => id.getText() === name && isBindingUse(id))
}

function isBindingUse(id: Node): boolean {
  const parent = id.getParent()
  if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false
  if ((Node.isPropertyAssignment(parent) || Node.isMethodDeclaration(parent)) && parent.getNameNode() === id)
    return false
  return true
}

/** 1-based line of a node, for diagnostics. */
export function lineOf(node: Node): number {
  return node.getStartLineNumber()
}

/** A text replacement in original-file offsets. */
export interface TextEdit {
  readonly start: number
  readonly end: number
  readonly text: string
}

/**
 * Applies edits from the end of the file backwards as raw text replacements. ts-morph's `replaceWithText`
 * re-indents multi-line text; raw replacement keeps every byte outside the edited ranges as it was.
 */
export function applyEdits(file: SourceFile, edits: readonly TextEdit[]): void {
  // Same start: the wider replacement first, so a zero-width insert there lands in front of it.
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    file.replaceText([edit.start, edit.end], edit.text)
  }
}

/** What rewriting one sink did: whether it changed the file, and anything a person must look at. */
export interface SinkOutcome {
  readonly rewritten: boolean
  readonly diagnostic?: Diagnostic | undefined
}

/**
 * Rewrites every sink `detect` finds, from the last to the first, re-detecting after every rewrite (edits
 * invalidate nodes). A rewritten sink must stop being a sink; one left alone is skipped from then on.
 * Diagnostics come back in source order.
 */
export function rewriteSinks<S>(detect: () => S[], rewrite: (sink: S) => SinkOutcome): TransformResult {
  const diagnostics: Diagnostic[] = []
  let skipped = 0
  let changes = 0
  for (let guard = 0; guard < 1000; guard++) {
    const sinks = detect()
    const sink = sinks.slice(0, sinks.length - skipped).at(-1)
    if (sink === undefined) return { changes, diagnostics: diagnostics.reverse() }
    const outcome = rewrite(sink)
    if (outcome.diagnostic) diagnostics.push(outcome.diagnostic)
    if (!outcome.rewritten) {
      skipped++
      continue
    }
    changes++
    if (detect().length >= sinks.length) throw new Error('a rewritten sink is still detected (transform bug)')
  }
  throw new Error('too many sinks in one file')
}

/** The outcome of a rewrite that either succeeds or explains why it could not (`problem`). */
export function unlessProblem(problem: Diagnostic | undefined): SinkOutcome {
  return { rewritten: !problem, diagnostic: problem }
}

/**
 * The edit that removes one property from an object literal: its whole line(s) when it sits on its own line,
 * otherwise the property and one separating comma. Nothing else moves.
 */
export function removePropertyEdit(property: Node): TextEdit {
  const text = property.getSourceFile().getFullText()
  const parent = property.getParentOrThrow()
  const siblings = Node.isObjectLiteralExpression(parent) ? parent.getProperties() : [property]
  const index = siblings.indexOf(property as (typeof siblings)[number])
  const next = siblings[index + 1]
  const previous = siblings[index - 1]
  if (startsOwnLine(property)) {
    const lineStart = text.lastIndexOf('\n', property.getStart() - 1) + 1
    if (next && startsOwnLine(next))
      return { start: lineStart, end: text.lastIndexOf('\n', next.getStart() - 1) + 1, text: '' }
    const newline = text.indexOf('\n', property.getEnd())
    return { start: lineStart, end: newline === -1 ? text.length : newline + 1, text: '' }
  }
  if (next) return { start: property.getStart(), end: next.getStart(), text: '' }
  if (previous) return { start: previous.getEnd(), end: property.getEnd(), text: '' }
  // The only property: empty the braces (`{ headers: {…} }` → `{}`) rather than leave `{  }` behind.
  if (Node.isObjectLiteralExpression(parent))
    return { start: parent.getStart() + 1, end: parent.getEnd() - 1, text: '' }
  return { start: property.getStart(), end: property.getEnd(), text: '' }
}
