import { Node, type ObjectLiteralExpression, type SourceFile, SyntaxKind } from 'ts-morph'
import { SDK_API_KEY_PLACEHOLDER } from './detect.js'
import { findKeyLiteralsInText, KEY_LITERAL_SUGGESTION, keyLiteralReason } from './key-literals.js'
import { envVariableOf } from './key-source.js'
import { KEY_ENV_NAME } from './mappings/providers.js'
import { inspectHeaders } from './provider-url.js'
import type { Diagnostic } from './types.js'

// What stays in browser code after the codemod ran, found from the code itself on every run (never from a
// previous run's report): provider-key env reads, and credentials kept on calls whose endpoint is chosen at
// runtime. `byok doctor` fails while any of them remains.

type Kept = Omit<Diagnostic, 'file'>

/** SvelteKit's public env modules: a provider key imported from them is inlined into the client. */
const PUBLIC_ENV_MODULES = new Set(['$env/static/public', '$env/dynamic/public'])

function envRead(name: string, line: number, config: boolean): Kept {
  return config
    ? {
        line,
        reason: `the build config inlines env ${name} (a provider key) into the browser bundle`,
        suggestion: `Remove this entry and stop reading ${name}: the relay stores each user's own key; delete it from .env* and rotate it if it was ever deployed`,
      }
    : {
        line,
        reason: `browser code reads env ${name}, a provider key the bundler ships to every visitor`,
        suggestion: `Remove this read (the relay stores each user's own key; calls go through byok), delete ${name} from .env* and rotate it if it was ever deployed`,
      }
}

/** The env names read by `node`: `import.meta.env.X`, `process.env['X']`, `const { X } = import.meta.env`. */
function envNames(node: Node): string[] {
  const direct = envVariableOf(node)
  if (direct) return [direct]
  if (Node.isVariableDeclaration(node)) {
    const init = node.getInitializer()?.getText().replace(/\s+/g, '')
    const pattern = node.getNameNode()
    if ((init === 'import.meta.env' || init === 'process.env') && Node.isObjectBindingPattern(pattern))
      return pattern.getElements().map((e) => e.getPropertyNameNode()?.getText() ?? e.getName())
  }
  return []
}

/**
 * True inside `define: { … }` / `env: { … }` of a build config (Vite, Next) or `new webpack.DefinePlugin({ … })`
 * (CRA/craco, webpack), where a value is inlined into the bundle.
 */
function inInlinedObject(node: Node): boolean {
  return node.getAncestors().some((a) => {
    if (Node.isNewExpression(a)) return /(^|\.)DefinePlugin$/.test(a.getExpression().getText())
    if (!Node.isPropertyAssignment(a)) return false
    return /^['"]?(define|env)['"]?$/.test(a.getNameNode().getText())
  })
}

function keptEnvReads(file: SourceFile, config: boolean): Kept[] {
  const kept: Kept[] = []
  file.forEachDescendant((node) => {
    for (const name of envNames(node)) {
      if (!KEY_ENV_NAME.test(name) || (config && !inInlinedObject(node))) continue
      kept.push(envRead(name, node.getStartLineNumber(), config))
    }
  })
  if (config) return kept
  for (const declaration of file.getImportDeclarations()) {
    if (!PUBLIC_ENV_MODULES.has(declaration.getModuleSpecifierValue())) continue
    for (const named of declaration.getNamedImports()) {
      if (KEY_ENV_NAME.test(named.getName()))
        kept.push(envRead(named.getName(), declaration.getStartLineNumber(), false))
    }
  }
  return kept
}

/** A rewritten call to a runtime-chosen endpoint that still carries the provider key for non-provider URLs. */
function keptCredentials(file: SourceFile): Kept[] {
  const kept: Kept[] = []
  for (const call of file.getDescendantsOfKind(SyntaxKind.CallExpression)) {
    const callee = call.getExpression().getText()
    const [url, init] = call.getArguments()
    if (callee !== 'byok.fetch' || !url?.getText().startsWith('byok.relayUrlIfProvider(')) continue
    if (inspectHeaders(init).authHeaders.length === 0) continue
    kept.push({
      line: call.getStartLineNumber(),
      reason:
        'a call to a runtime-chosen endpoint still sends a credential: provider URLs go through the relay, but the app still collects the provider key',
      suggestion:
        'Drop the auth header once only local endpoints need it, and stop asking users for provider keys (the relay stores them)',
    })
  }
  for (const object of file.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression)) {
    if (!keepsSdkKey(object)) continue
    kept.push({
      line: object.getStartLineNumber(),
      reason:
        "an SDK client with a runtime-chosen base URL keeps the user's provider key in its options (sent to non-provider URLs)",
      suggestion: `Replace the key with '${SDK_API_KEY_PLACEHOLDER}' once the client only talks to providers, and stop collecting provider keys in the app`,
    })
  }
  return kept
}

function keepsSdkKey(object: ObjectLiteralExpression): boolean {
  const base = object
    .getProperties()
    .some(
      (p) =>
        Node.isPropertyAssignment(p) &&
        /byok\.relayUrlIfProvider\(/.test(p.getInitializer()?.getText() ?? ''),
    )
  if (!base) return false
  const apiKey = object.getProperty('apiKey')
  if (!apiKey) return false
  if (Node.isPropertyAssignment(apiKey)) {
    const value = apiKey.getInitializer()
    return !(Node.isStringLiteral(value) && value.getLiteralValue() === SDK_API_KEY_PLACEHOLDER)
  }
  return true
}

/**
 * Provider key literals (by prefix), wherever they feed a sink from: this file, another classic script (a global)
 * or an importing module. The rewrite never removes a literal that is still read, so it is always manual work.
 */
function keptLiterals(file: SourceFile): Kept[] {
  return findKeyLiteralsInText(file.getFullText())
    .filter((literal) => literal.kind === 'leak')
    .map((literal) => ({
      line: literal.line,
      reason: keyLiteralReason(literal.prefix),
      suggestion: KEY_LITERAL_SUGGESTION,
    }))
}

/**
 * Provider keys and credentials left in one file. In a build config only `define`/`env` entries count (the rest
 * runs at build time and stays on the machine).
 */
export function findKeptKeys(file: SourceFile, options: { config: boolean }): Kept[] {
  const kept = keptEnvReads(file, options.config)
  if (!options.config) kept.push(...keptCredentials(file), ...keptLiterals(file))
  return kept.sort((a, b) => a.line - b.line)
}
