import { type Project, ScriptKind, type SourceFile } from 'ts-morph'
import { type ContainerScan, isContainerPath, type ScriptBlock, scanContainer } from './containers/index.js'
import { detectSinks, type Sink } from './detect.js'
import { detectQuote, indentOf, noteMarkupReads, usesSemicolons } from './edit-utils.js'
import { findKeptKeys } from './kept-keys.js'
import { describeKeySource } from './key-source.js'
import type { Diagnostic, Transform } from './types.js'
import { type RemovedParameter, takeRemovedParameters } from './unused-parameters.js'

/** A provider sink found in the sources, with where its key comes from (names only, never values). */
export interface FoundSink {
  readonly file: string
  readonly line: number
  readonly kind: 'sdk' | 'fetch'
  readonly provider: string
  readonly keySources: readonly string[]
}

/** What planning one file produced, before the runner turns it into a status and a diff. */
interface FileResult {
  readonly after: string
  readonly applied: readonly string[]
  /** True when the result imports the byok instance module (so it must exist). */
  readonly needsHelper: boolean
  /** True when a classic script (file or inline block) now calls the global `byok` of the classic client. */
  readonly usesGlobal: boolean
  readonly found: readonly FoundSink[]
  readonly manual: readonly Diagnostic[]
  /** Set when nothing in the file could be read (a container whose only scripts are in another language). */
  readonly skipped?: string
  /** Parameters that only carried a key, removed from this module's functions: importers' calls must follow. */
  readonly removedParameters?: readonly RemovedParameter[]
}

interface PlanFileInput {
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
  /**
   * `client` (default): transform, import the instance, report leftovers and kept keys. `config`: a build config,
   * only build-config steps and inlined keys. `report`: no transform, only what is found (server or library code).
   */
  readonly mode?: 'client' | 'config' | 'report'
  /**
   * For a file a page or manifest loads as a classic script: `global` rewrites it to call the global `byok` of
   * the classic client (no import), `report` only reports. Undefined for modules.
   */
  readonly classic?: 'global' | 'report'
  /**
   * Inline classic `<script>` blocks of a page: when set they are rewritten against the global `byok` and this
   * puts the classic client's tags in front of the first rewritten one; unset, they are only reported.
   */
  readonly classicTagsBefore?: (html: string, tagStart: number) => string
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
  markup?: string,
): { file: SourceFile; applied: string[]; needsHelper: boolean; found: FoundSink[]; manual: Diagnostic[] } {
  const { project, path, steps } = input
  const file = project.createSourceFile(virtualPath, text, { overwrite: true, scriptKind })
  if (markup !== undefined) noteMarkupReads(file, markup)
  try {
    return { file, ...runSteps(file, path, input.mode === 'report' ? [] : steps, lineOffset, input.mode) }
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
  mode: PlanFileInput['mode'] = 'client',
): { applied: string[]; needsHelper: boolean; found: FoundSink[]; manual: Diagnostic[] } {
  const config = mode === 'config'
  const found = config ? [] : detectSinks(file).map((sink) => toFound(path, sink, lineOffset))
  const manual: Diagnostic[] = []
  const applied: string[] = []
  // Build-config steps (`usesHelper: false`) never reference `byok`: a file only they changed gets no import.
  let needsHelper = false
  const quote = detectQuote(file)
  for (const step of config ? steps.filter((s) => s.usesHelper === false) : steps) {
    const result = step.apply(file, { file: path, byok: 'byok', quote })
    if (result.changes > 0) {
      applied.push(step.id)
      if (step.usesHelper !== false) needsHelper = true
    }
    manual.push(...result.diagnostics.map((d) => ({ ...d, line: d.line + lineOffset })))
  }
  const reported = (line: number) => manual.some((d) => d.line === line)
  // Anything still detected after every step is a key use no transform handles: report it, never guess.
  for (const sink of config ? [] : detectSinks(file)) {
    const line = sinkLine(sink) + lineOffset
    if (!reported(line)) manual.push({ file: path, line, ...leftover(sink) })
  }
  // Keys left in the code are found again on every run, whatever an earlier run did (state comes from the code).
  if (mode !== 'report') {
    for (const kept of findKeptKeys(file, { config })) {
      const line = kept.line + lineOffset
      if (!reported(line)) manual.push({ ...kept, file: path, line })
    }
  }
  manual.sort((a, b) => a.line - b.line)
  return { applied, needsHelper, found, manual }
}

/** Why a sink no transform rewrote is left, and what to do instead. */
function leftover(sink: Sink): { reason: string; suggestion: string } {
  if (sink.kind === 'sdk') {
    return {
      reason: `new ${sink.className}(…) from ${sink.module} sends the ${sink.provider} key from the browser; no transform rewrites it yet`,
      suggestion: `Build it from await byok.sdkOptions('${sink.provider}') (see the @byok/client README, "With the official SDKs")`,
    }
  }
  if (sink.transport === 'reach' && sink.websocket) {
    return {
      reason: `${sink.what} opens a WebSocket to ${sink.provider} from the browser (the key rides in the URL); the relay has no WebSocket proxy`,
      suggestion:
        'Move this feature behind your own server (or use the provider’s ephemeral tokens minted server-side), or use the HTTP API through byok.fetch',
    }
  }
  if (sink.transport === 'reach' && sink.untraced) {
    return {
      reason: `${sink.what} builds an SDK client for ${sink.provider} in the browser (dangerouslyAllowBrowser) from a class the codemod cannot trace to its package (loaded at run time, from a CDN, or re-exported)`,
      suggestion: `Import the SDK from its npm package and run byok integrate again, or build the client from await byok.sdkOptions('${sink.provider}')`,
    }
  }
  if (sink.transport === 'reach') {
    return {
      reason: `${sink.what} reaches ${sink.provider} from the browser through a transport the codemod does not rewrite`,
      suggestion:
        'Pass byok.relayUrlFor(url) instead of the provider URL, make the request with byok.fetch (or give the helper byok.fetch as its fetch), and drop the provider key',
    }
  }
  return {
    reason: `fetch to ${sink.provider} with a provider credential that no transform could rewrite`,
    suggestion: 'Use byok.fetch(byok.relayUrlFor(url), init) and drop the credential',
  }
}

function sinkLine(sink: Sink): number {
  return (sink.kind === 'sdk' ? sink.node : sink.call).getStartLineNumber()
}

function toFound(path: string, sink: Sink, lineOffset: number): FoundSink {
  return {
    file: path,
    line: sinkLine(sink) + lineOffset,
    // A client whose class the codemod could not trace is still an SDK client to the reader.
    kind: sink.kind === 'fetch' && sink.transport === 'reach' && sink.untraced ? 'sdk' : sink.kind,
    provider: sink.provider,
    keySources: sink.keySources.map(describeKeySource),
  }
}

/** Plans one source file or container: every script block runs through the same detection and steps. */
export function planFile(input: PlanFileInput): FileResult {
  const { path, text, project } = input
  if (!isContainerPath(path)) {
    const classicReport = input.classic === 'report'
    const { file, applied, needsHelper, found, manual } = transformSource(
      classicReport ? { ...input, mode: 'report' } : input,
      `/project/${path}`,
      text,
      scriptKindOf(path),
      0,
    )
    if (classicReport) {
      project.removeSourceFile(file)
      return {
        after: text,
        applied: [],
        needsHelper: false,
        usesGlobal: false,
        found,
        manual: classicManual(found, manual),
      }
    }
    const classic = input.classic === 'global'
    if (needsHelper && !classic) ensureImport(file, input.specifier, false)
    const after = file.getFullText()
    const removedParameters = takeRemovedParameters(file)
    project.removeSourceFile(file)
    return {
      after,
      removedParameters,
      applied,
      needsHelper: needsHelper && !classic,
      usesGlobal: needsHelper && classic,
      found,
      manual,
    }
  }
  return planContainer(input, scanContainer(path, text))
}

/** A classic script the codemod may not rewrite (an extension content script, a bundled app's classic page). */
function classicManual(found: readonly FoundSink[], manual: readonly Diagnostic[]): Diagnostic[] {
  return manual.map((d) =>
    found.some((f) => f.line === d.line)
      ? {
          ...d,
          reason: `${d.reason} (in a classic script, which cannot import the byok client)`,
          suggestion:
            'Load vendor/byok.global.js and byok-instance.global.js (byok integrate --vendor writes them) before this script and call the global byok, or make it a module',
        }
      : d,
  )
}

function planContainer(input: PlanFileInput, scan: ContainerScan): FileResult {
  const { path, text, project } = input
  if (scan.blocks.length === 0 && scan.unsupported.length > 0) {
    const first = scan.unsupported[0]!
    return {
      after: text,
      applied: [],
      needsHelper: false,
      usesGlobal: false,
      found: [],
      manual: [],
      skipped: `line ${first.line}: ${first.reason}`,
    }
  }
  const applied = new Set<string>()
  const found: FoundSink[] = []
  const manual: Diagnostic[] = []
  const edited: { block: ScriptBlock; file: SourceFile; changed: boolean; global: boolean }[] = []
  const report = input.mode === 'report'
  // The container's text outside its script blocks: what its markup reads stays declared in the blocks.
  const markup = scan.blocks.reduceRight(
    (rest, block) => rest.slice(0, block.start) + rest.slice(block.end),
    text,
  )
  try {
    scan.blocks.forEach((block, index) => {
      const code = text.slice(block.start, block.end)
      const virtualPath = `/project/${path}.block-${index}.${EXTENSION_OF[block.scriptKind] ?? 'js'}`
      const global = !block.module && !!input.classicTagsBefore
      const canImport = block.module && (block.scope !== 'own' || block.bundled || input.htmlModulesCanImport)
      if (!canImport && !global && !report) {
        found.push(...reportUnimportable(input, virtualPath, code, block, manual))
        return
      }
      const result = transformSource(input, virtualPath, code, block.scriptKind, block.line - 1, markup)
      for (const id of result.applied) applied.add(id)
      found.push(...result.found)
      manual.push(...result.manual)
      edited.push({ block, file: result.file, changed: result.needsHelper, global })
    })
    addContainerImports(
      edited.filter((e) => !e.global),
      input.specifier,
    )
    let after = text
    // From the last block to the first, so earlier offsets stay valid; bytes outside blocks are never touched.
    for (const { block, file } of [...edited].reverse()) {
      after = after.slice(0, block.start) + file.getFullText() + after.slice(block.end)
    }
    const firstGlobal = edited.find((e) => e.global && e.changed)
    if (firstGlobal && input.classicTagsBefore) {
      const { block } = firstGlobal
      const shift = edited
        .filter((e) => e.block.start < block.start)
        .reduce((sum, e) => sum + e.file.getFullText().length - (e.block.end - e.block.start), 0)
      after = input.classicTagsBefore(after, block.start - block.tag.length + shift)
    }
    return {
      after,
      applied: [...applied],
      needsHelper: edited.some((e) => e.changed && !e.global),
      usesGlobal: !!firstGlobal,
      found,
      manual,
    }
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
function ensureImport(file: SourceFile, specifier: string, inBlock: boolean): void {
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
