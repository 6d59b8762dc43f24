import { type CallExpression, Node, type ParameterDeclaration, type SourceFile, SyntaxKind } from 'ts-morph'

// A parameter that only carried the provider key is unused once the sink is rewritten, which fails
// `noUnusedParameters` (TS6133) and `no-unused-vars`. It is removed from the signature, and the matching argument
// from every call: here, and (through `takeRemovedParameters`) in the files that import the function.

/** A trailing parameter removed from a named function: calls to `name` must drop argument `index`. */
export interface RemovedParameter {
  /** The function's name in its module (exported or not). */
  readonly name: string
  readonly index: number
  readonly exported: boolean
}

const removed = new WeakMap<SourceFile, RemovedParameter[]>()

/** What `removeUnusedKeyParameters` removed in `file` since the last call (the planner fixes other files' calls). */
export function takeRemovedParameters(file: SourceFile): RemovedParameter[] {
  const list = removed.get(file) ?? []
  removed.delete(file)
  return list
}

function functionName(fn: Node): { name: string; exported: boolean } | undefined {
  if (Node.isFunctionDeclaration(fn)) {
    const name = fn.getName()
    return name ? { name, exported: fn.isExported() } : undefined
  }
  const holder = fn.getParent()
  if ((Node.isArrowFunction(fn) || Node.isFunctionExpression(fn)) && Node.isVariableDeclaration(holder)) {
    return { name: holder.getName(), exported: !!holder.getVariableStatement()?.isExported() }
  }
  return undefined
}

/** Uses of the parameter's name inside its function (its own declaration excluded). */
function usesInside(parameter: ParameterDeclaration): number {
  const name = parameter.getName()
  const fn = parameter.getParentOrThrow()
  return fn.getDescendantsOfKind(SyntaxKind.Identifier).filter((id) => {
    if (id.getText() !== name || id === parameter.getNameNode()) return false
    const parent = id.getParent()
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false
    if (Node.isPropertyAssignment(parent) && parent.getNameNode() === id) return false
    return true
  }).length
}

/** Removes argument `index` of `call` (and the comma before it); returns the identifiers it read. */
function removeArgument(call: CallExpression, index: number): string[] {
  const args = call.getArguments()
  const arg = args[index]
  if (!arg) return []
  const read = [
    ...(Node.isIdentifier(arg) ? [arg.getText()] : []),
    ...arg.getDescendantsOfKind(SyntaxKind.Identifier).map((id) => id.getText()),
  ]
  const start = index === 0 ? arg.getStart() : args[index - 1]!.getEnd()
  const end = index === 0 && args[1] ? args[1].getStart() : arg.getEnd()
  call.getSourceFile().replaceText([start, end], '')
  return read
}

/** Drops argument `index` from every call of the local function `name` in `file`; returns the identifiers they read. */
export function dropArguments(file: SourceFile, name: string, index: number): string[] {
  const read: string[] = []
  for (let guard = 0; guard < 1000; guard++) {
    const call = file
      .getDescendantsOfKind(SyntaxKind.CallExpression)
      .find((c) => c.getExpression().getText() === name && c.getArguments().length > index)
    if (!call) break
    read.push(...removeArgument(call, index))
  }
  return read
}

/**
 * For each of `names` that is the last, plain parameter of a named function and is no longer used there, removes
 * it and the argument of every call in this file. Functions passed around by reference keep their parameter
 * (a caller elsewhere may rely on the arity).
 */
export function removeUnusedKeyParameters(file: SourceFile, names: readonly string[]): string[] {
  const read: string[] = []
  for (const name of new Set(names)) {
    // Several functions may call their parameter `apiKey`: each unused one is handled, from the last to the first.
    for (let guard = 0; guard < 100; guard++) {
      const parameter = file
        .getDescendantsOfKind(SyntaxKind.Parameter)
        .filter((p) => p.getName() === name && Node.isIdentifier(p.getNameNode()) && !p.isRestParameter())
        .reverse()
        .find((p) => usesInside(p) === 0 && removable(file, p))
      if (!parameter) break
      const fn = parameter.getParentOrThrow() as Node & { getParameters(): ParameterDeclaration[] }
      const parameters = fn.getParameters()
      const index = parameters.indexOf(parameter)
      const named = functionName(fn)!
      const start = index === 0 ? parameter.getStart() : parameters[index - 1]!.getEnd()
      file.replaceText([start, parameter.getEnd()], '')
      read.push(...dropArguments(file, named.name, index))
      removed.set(file, [...(removed.get(file) ?? []), { ...named, index }])
    }
  }
  return read
}

/** The last parameter of a named function that is only ever called (so every call can be fixed). */
function removable(file: SourceFile, parameter: ParameterDeclaration): boolean {
  const fn = parameter.getParentOrThrow()
  if (!Node.isFunctionDeclaration(fn) && !Node.isArrowFunction(fn) && !Node.isFunctionExpression(fn))
    return false
  const parameters = fn.getParameters()
  if (parameters.indexOf(parameter) !== parameters.length - 1) return false
  const named = functionName(fn)
  return !!named && !referencedOtherThanCalled(file, named.name)
}

/** True when `name` appears other than as a callee or its own declaration (passed as a callback, stored, …). */
function referencedOtherThanCalled(file: SourceFile, name: string): boolean {
  return file.getDescendantsOfKind(SyntaxKind.Identifier).some((id) => {
    if (id.getText() !== name) return false
    const parent = id.getParent()
    if (Node.isCallExpression(parent) && parent.getExpression() === id) return false
    if (
      (Node.isFunctionDeclaration(parent) || Node.isVariableDeclaration(parent)) &&
      parent.getNameNode() === id
    )
      return false
    if (Node.isExportSpecifier(parent)) return false
    if (Node.isPropertyAccessExpression(parent) && parent.getNameNode() === id) return false
    return true
  })
}
