import { type Project, ScriptKind, type SourceFile } from 'ts-morph'
import { type ContainerScan, isContainerPath, type ScriptBlock, scanContainer } from './containers/index.js'
import { detectSinks, type Sink } from './detect.js'
import { detectQuote, indentOf, usesSemicolons } from './edit-utils.js'
import { describeKeySource } from './key-source.js'
import type { Diagnostic, Transform } from './types.js'

/** A provider sink found in the sources, with where its key comes from (names only, never values). */
export interface FoundSink {
  readonly file: string
  readonly line: number
  readonly kind: 'sdk' | 'fetch'
  readonly provider: string
  readonly keySources: readonly string[]
}

/** What planning one file produced, before the runner turns it into a status and a diff. */
export interface FileResult {
  readonly after: string
  readonly applied: readonly string[]
  /** True when the result calls the byok helper (so the helper files must exist). */
  readonly needsHelper: boolean
  readonly found: readonly FoundSink[]
  readonly manual: readonly Diagnostic[]
  /** Set when nothing in the file could be read (a container whose only scripts are in another language). */
  readonly skipped?: string
}

export interface PlanFileInput {
  readonly project: Project
  /** Project-relative path, forward slashes. */
  readonly path: string
  readonly text: string
  readonly steps: readonly Transform[]
  /** The module specifier of the helper instance, relative to this file. */
  readonly specifier: string
  /**
   * Whether an inline `<script type="module">` of this HTML file can import the helper: Vite builds the page, or a
   * static site loads the `.js` helper natively. False for pages served verbatim (Next, CRA, Vite's `public/`).
   */
  readonly htmlModulesCanImport: boolean
}

export function scriptKindOf(path: string): ScriptKind {
  if (path.endsWith('.tsx')) return ScriptKind.TSX
  if (path.endsWith('.ts') || path.endsWith('.mts') || path.endsWith('.cts')) return ScriptKind.TS
  if (path.endsWith('.jsx')) return ScriptKind.JSX
  return ScriptKind.JS
}

const EXTENSION_OF: Record<number, string> = {
  [ScriptKind.TS]: 'ts',
  [ScriptKind.TSX]: 'tsx',
  [ScriptKind.JS]: 'js',
  [ScriptKind.JSX]: 'jsx',
}

/** Detects, transforms and re-detects one source text; the caller adds the import and removes the file. */
function transformSource(
  input: PlanFileInput,
  virtualPath: string,
  text: string,
  scriptKind: ScriptKind,
  lineOffset: number,
): { file: SourceFile; applied: string[]; needsHelper: boolean; found: FoundSink[]; manual: Diagnostic[] } {
  const { project, path, steps } = input
  const file = project.createSourceFile(virtualPath, text, { overwrite: true, scriptKind })
  try {
    return { file, ...runSteps(file, path, steps, lineOffset) }
  } catch (error) {
    project.removeSourceFile(file)
    throw error
  }
}

function runSteps(
  file: SourceFile,
  path: string,
  steps: readonly Transform[],
  lineOffset: number,
): { applied: string[]; needsHelper: boolean; found: FoundSink[]; manual: Diagnostic[] } {
  const found = detectSinks(file).map((sink) => toFound(path, sink, lineOffset))
  const manual: Diagnostic[] = []
  const applied: string[] = []
  // Build-config steps (`usesHelper: false`) never reference `byok`: a file only they changed gets no import.
  let needsHelper = false
  const quote = detectQuote(file)
  for (const step of steps) {
    const result = step.apply(file, { file: path, byok: 'byok', quote })
    if (result.changes > 0) {
      applied.push(step.id)
      if (step.usesHelper !== false) needsHelper = true
    }
    manual.push(...result.diagnostics.map((d) => ({ ...d, line: d.line + lineOffset })))
  }
  // Anything still detected after every step is a key use no transform handles: report it, never guess.
  for (const sink of detectSinks(file)) {
    const line = sinkLine(sink) + lineOffset
    if (manual.some((d) => d.line === line)) continue
    manual.push({
      file: path,
      line,
      reason:
        sink.kind === 'sdk'
          ? `new ${sink.className}(…) from ${sink.module} sends the ${sink.provider} key from the browser; no transform rewrites it yet`
          : `fetch to ${sink.provider} with a provider credential that no transform could rewrite`,
      suggestion:
        sink.kind === 'sdk'
          ? `Build it from await byok.sdkOptions('${sink.provider}') (see the client helper README, "With the official SDKs")`
          : `Use byok.fetch(byok.relayUrlFor(url), init) and drop the credential`,
    })
  }
  return { applied, needsHelper, found, manual }
}

function sinkLine(sink: Sink): number {
  return (sink.kind === 'sdk' ? sink.node : sink.call).getStartLineNumber()
}

function toFound(path: string, sink: Sink, lineOffset: number): FoundSink {
  return {
    file: path,
    line: sinkLine(sink) + lineOffset,
    kind: sink.kind,
    provider: sink.provider,
    keySources: sink.keySources.map(describeKeySource),
  }
}

/** Plans one source file or container: every script block runs through the same detection and steps. */
export function planFile(input: PlanFileInput): FileResult {
  const { path, text, project } = input
  if (!isContainerPath(path)) {
    const { file, applied, needsHelper, found, manual } = transformSource(
      input,
      `/project/${path}`,
      text,
      scriptKindOf(path),
      0,
    )
    if (needsHelper) ensureImport(file, input.specifier, false)
    const after = file.getFullText()
    project.removeSourceFile(file)
    return { after, applied, needsHelper, found, manual }
  }
  return planContainer(input, scanContainer(path, text))
}

function planContainer(input: PlanFileInput, scan: ContainerScan): FileResult {
  const { path, text, project } = input
  if (scan.blocks.length === 0 && scan.unsupported.length > 0) {
    const first = scan.unsupported[0]!
    return {
      after: text,
      applied: [],
      needsHelper: false,
      found: [],
      manual: [],
      skipped: `line ${first.line}: ${first.reason}`,
    }
  }
  const applied = new Set<string>()
  const found: FoundSink[] = []
  const manual: Diagnostic[] = []
  const edited: { block: ScriptBlock; file: SourceFile; changed: boolean }[] = []
  try {
    scan.blocks.forEach((block, index) => {
      const code = text.slice(block.start, block.end)
      const virtualPath = `/project/${path}.block-${index}.${EXTENSION_OF[block.scriptKind] ?? 'js'}`
      const canImport = block.module && (block.scope !== 'own' || input.htmlModulesCanImport)
      if (!canImport) {
        found.push(...reportUnimportable(input, virtualPath, code, block, manual))
        return
      }
      const result = transformSource(input, virtualPath, code, block.scriptKind, block.line - 1)
      for (const id of result.applied) applied.add(id)
      found.push(...result.found)
      manual.push(...result.manual)
      edited.push({ block, file: result.file, changed: result.needsHelper })
    })
    addContainerImports(edited, input.specifier)
    let after = text
    // From the last block to the first, so earlier offsets stay valid; bytes outside blocks are never touched.
    for (const { block, file } of [...edited].reverse()) {
      after = after.slice(0, block.start) + file.getFullText() + after.slice(block.end)
    }
    return { after, applied: [...applied], needsHelper: edited.some((e) => e.changed), found, manual }
  } finally {
    for (const { file } of edited) project.removeSourceFile(file)
  }
}

/**
 * A classic `<script>` (or an HTML page no bundler processes) cannot import the byok client, so its sinks are
 * found and reported but never rewritten: a half-rewritten page would call an undefined `byok`.
 */
function reportUnimportable(
  input: PlanFileInput,
  virtualPath: string,
  code: string,
  block: ScriptBlock,
  manual: Diagnostic[],
): FoundSink[] {
  const file = input.project.createSourceFile(virtualPath, code, {
    overwrite: true,
    scriptKind: block.scriptKind,
  })
  try {
    const sinks = detectSinks(file)
    for (const sink of sinks) {
      manual.push({
        file: input.path,
        line: sinkLine(sink) + block.line - 1,
        reason: block.module
          ? `${sink.provider} call in an inline module script of a page served as is, which cannot import the byok client`
          : `${sink.provider} call in a classic ${block.tag}, which cannot import the byok client`,
        suggestion: block.module
          ? 'Move this code into a module file the app bundles, then run byok integrate again'
          : 'Move this code into a <script type="module"> (or a module file), then run byok integrate again',
      })
    }
    return sinks.map((sink) => toFound(input.path, sink, block.line - 1))
  } finally {
    input.project.removeSourceFile(file)
  }
}

/**
 * One import per module (`changed` = the block now calls the helper): an outer block (Vue `<script>`, Svelte module script) shares its imports with the inner
 * one, so when both changed only the outer gets it (a second `import { byok }` would be a duplicate declaration).
 */
function addContainerImports(
  edited: readonly { block: ScriptBlock; file: SourceFile; changed: boolean }[],
  specifier: string,
): void {
  for (const entry of edited.filter((e) => e.changed && e.block.scope === 'own')) {
    ensureImport(entry.file, specifier, true)
  }
  const shared = edited.filter((e) => e.block.scope !== 'own')
  if (!shared.some((e) => e.changed)) return
  const outer = shared.find((e) => e.block.scope === 'outer')
  const target =
    outer && (outer.changed || hasImport(outer.file, specifier)) ? outer : shared.find((e) => e.changed)!
  ensureImport(target.file, specifier, true)
}

function hasImport(file: SourceFile, specifier: string): boolean {
  return file.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === specifier)
}

/**
 * Adds `import { byok } from '<specifier>'` after the last import (or after directives), in the file's style.
 * In a script block it goes on the first code line with that line's indentation, not onto the `<script>` line.
 */
export function ensureImport(file: SourceFile, specifier: string, inBlock: boolean): void {
  if (hasImport(file, specifier)) return
  const quote = detectQuote(file)
  const text = `import { byok } from ${quote}${specifier}${quote}${usesSemicolons(file) ? ';' : ''}`
  const last = file.getImportDeclarations().at(-1)
  if (last) {
    file.insertText(last.getEnd(), `\n${indentOf(last)}${text}`)
    return
  }
  // After "use client" / "use strict" directives, which must stay first.
  let anchor = 0
  for (const statement of file.getStatements()) {
    if (/^['"]use [a-z]+['"];?$/.test(statement.getText().trim())) anchor = statement.getEnd()
    else break
  }
  if (anchor !== 0) {
    file.insertText(anchor, `\n${text}`)
    return
  }
  const full = file.getFullText()
  const firstCode = full.search(/\S/)
  if (!inBlock || firstCode === -1) {
    file.insertText(0, `${text}\n`)
    return
  }
  const lineStart = full.lastIndexOf('\n', firstCode - 1) + 1
  file.insertText(lineStart, `${full.slice(lineStart, firstCode)}${text}\n`)
}
