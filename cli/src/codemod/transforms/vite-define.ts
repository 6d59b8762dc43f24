import {
  Node,
  type ObjectLiteralExpression,
  type PropertyAssignment,
  type SourceFile,
  SyntaxKind,
} from 'ts-morph'
import {
  applyEdits,
  bindingUses,
  lineOf,
  removeLines,
  removePropertyEdit,
  type TextEdit,
} from '../edit-utils.js'
import { envVariableOf } from '../key-source.js'
import { VITE_CONFIG_FILE } from '../mappings/http.js'
import { KEY_ENV_NAME } from '../mappings/providers.js'
import { propertyName } from '../provider-url.js'
import type { Diagnostic, Transform, TransformContext, TransformResult } from '../types.js'

/** The last segment of a define key (`process.env.API_KEY` → `API_KEY`, `__GEMINI_KEY__` → `GEMINI_KEY`). */
function definedName(property: PropertyAssignment): string {
  return (propertyName(property) ?? '')
    .toUpperCase()
    .split('.')
    .at(-1)!
    .replace(/^_+|_+$/g, '')
}

/** Env names a define value reads: `env.X` (from `loadEnv`), `process.env.X`, `import.meta.env.X`. */
function envNamesIn(value: Node): string[] {
  const names: string[] = []
  for (const node of [value, ...value.getDescendants()]) {
    const env = envVariableOf(node)
    if (env) names.push(env)
    else if (Node.isPropertyAccessExpression(node) && /^env$/i.test(node.getExpression().getText()))
      names.push(node.getName())
  }
  return names
}

/** `define: { … }` object literals in the file (inside `defineConfig({ … })` or a returned config). */
function defineObjects(file: SourceFile): ObjectLiteralExpression[] {
  return file.getDescendantsOfKind(SyntaxKind.PropertyAssignment).flatMap((p) => {
    const value = p.getInitializer()
    return p.getName() === 'define' && value && Node.isObjectLiteralExpression(value) ? [value] : []
  })
}

/**
 * Once the key entries are gone, `const env = loadEnv(…)` and the `loadEnv` import are often unused, which fails
 * create-vite's `noUnusedLocals` type-check of vite.config.ts: remove them too, only when nothing else uses them.
 */
function removeUnusedLoadEnv(file: SourceFile): void {
  for (const declaration of file.getDescendantsOfKind(SyntaxKind.VariableDeclaration)) {
    const init = declaration.getInitializer()
    const statement = declaration.getVariableStatement()
    if (!init || !Node.isCallExpression(init) || init.getExpression().getText() !== 'loadEnv') continue
    if (statement?.getDeclarations().length !== 1) continue
    if (!Node.isIdentifier(declaration.getNameNode())) continue
    if (bindingUses(file, declaration.getName()).length === 1) {
      removeLines(file, statement.getStart(), statement.getEnd())
      break // the text was replaced: nodes from before are stale
    }
  }
  for (const named of file.getImportDeclarations().flatMap((d) => d.getNamedImports())) {
    if (named.getName() !== 'loadEnv') continue
    if (bindingUses(file, named.getAliasNode()?.getText() ?? 'loadEnv').length !== 1) continue
    const declaration = named.getImportDeclaration()
    if (declaration.getNamedImports().length === 1 && !declaration.getDefaultImport())
      removeLines(file, declaration.getStart(), declaration.getEnd())
    else named.remove()
    return
  }
}

/**
 * vite.config `define` entries that inline a provider key into the bundle (catalogue G1/C4), e.g.
 * `'process.env.API_KEY': JSON.stringify(env.GEMINI_API_KEY)`, are removed: the key now lives on the relay. An
 * entry counts when the env name it reads, or the name it defines, looks like a provider key (KEY_ENV_NAME).
 * Other entries and all formatting stay; an emptied `define` goes with its last entry. Each removal is reported
 * so the person deletes the variable from `.env*` and rotates the key.
 */
export const viteDefine: Transform = {
  id: 'vite-define',
  title: 'vite.config define entries that inline a provider key are removed',
  usesHelper: false,
  apply(file: SourceFile, ctx: TransformContext): TransformResult {
    if (!VITE_CONFIG_FILE.test(ctx.file)) return { changes: 0, diagnostics: [] }
    const edits: TextEdit[] = []
    const diagnostics: Diagnostic[] = []
    for (const define of defineObjects(file)) {
      const entries = define
        .getProperties()
        .filter((p): p is PropertyAssignment => Node.isPropertyAssignment(p))
      const doomed = entries.filter((p) => {
        const read = envNamesIn(p.getInitializerOrThrow())
        return read.some((name) => KEY_ENV_NAME.test(name)) || KEY_ENV_NAME.test(definedName(p))
      })
      if (doomed.length === 0) continue
      for (const entry of doomed) {
        const read = envNamesIn(entry.getInitializerOrThrow())
        diagnostics.push({
          file: ctx.file,
          line: lineOf(entry),
          reason: `removed define ${entry.getNameNode().getText()}: it inlined ${read.length ? read.join(', ') : 'a provider key'} into the browser bundle`,
          suggestion: `Delete ${read.length ? read.join(', ') : 'the key'} from .env* files and rotate the key if it was ever deployed; the relay stores the user's key now`,
        })
      }
      const whole = doomed.length === define.getProperties().length ? define.getParent() : undefined
      if (Node.isPropertyAssignment(whole)) edits.push(removePropertyEdit(whole))
      else edits.push(...doomed.map(removePropertyEdit))
    }
    applyEdits(file, edits)
    if (edits.length > 0) removeUnusedLoadEnv(file)
    return { changes: edits.length, diagnostics }
  },
}
