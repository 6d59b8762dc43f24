import type { SourceFile } from 'ts-morph'

/**
 * Makes `name` importable from `module` in `file` by adding it to that module's existing named imports (text
 * insertion, the rest of the line untouched). Returns false when there is no such import to extend.
 */
export function ensureNamedImport(file: SourceFile, module: string, name: string): boolean {
  const declarations = file.getImportDeclarations().filter((d) => d.getModuleSpecifierValue() === module)
  if (declarations.some((d) => d.getNamedImports().some((n) => n.getName() === name && !n.getAliasNode())))
    return true
  const last = declarations.flatMap((d) => d.getNamedImports()).at(-1)
  if (!last) return false
  file.insertText(last.getEnd(), `, ${name}`)
  return true
}
