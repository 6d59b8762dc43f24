import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { Project, ScriptKind, type SourceFile, ts } from 'ts-morph'
import { detectSinks } from './detect.js'
import { unifiedDiff } from './diff.js'
import { detectQuote, usesSemicolons } from './edit-utils.js'
import { describeKeySource } from './key-source.js'
import { KEY_ENV_NAME, KEY_VALUE_PATTERN } from './mappings/providers.js'
import {
  envNamesWithValues,
  inspectProject,
  listEnvFiles,
  listSourceFiles,
  type ProjectInfo,
  RELAY_URL_ENV,
} from './project.js'
import { TRANSFORMS } from './transforms/index.js'
import type { Diagnostic, Transform } from './types.js'

export type FileStatus = 'modified' | 'unchanged' | 'manual' | 'error'

export interface FilePlan {
  /** Project-relative path, forward slashes. */
  readonly path: string
  readonly status: FileStatus
  /** Unified diff (empty unless modified); a new file diffs against /dev/null. */
  readonly diff: string
  /** Transform ids that changed the file. */
  readonly transforms: readonly string[]
  readonly error?: string
}

/** A provider sink found in the sources, with where its key comes from (names only, never values). */
export interface FoundSink {
  readonly file: string
  readonly line: number
  readonly kind: 'sdk' | 'fetch'
  readonly provider: string
  readonly keySources: readonly string[]
}

export interface IntegrationPlan {
  readonly projectDir: string
  readonly framework: ProjectInfo['framework']
  readonly files: readonly FilePlan[]
  readonly found: readonly FoundSink[]
  readonly manual: readonly Diagnostic[]
  /** Provider-key-looking variables with a value in `.env*` files: rotate them and delete them. */
  readonly leakedEnvKeys: readonly { file: string; variable: string }[]
  /** What `applyIntegration` writes; `before` is null for new files (checked again before writing). */
  readonly writes: readonly { path: string; before: string | null; after: string }[]
}

export interface PlanOptions {
  /** Run only these transform ids (default: all, in order). */
  readonly only?: readonly string[]
  /** The templates directory holding `client/byok.ts`. */
  readonly templatesDir: string
}

const HELPER_FILE = 'byok.ts'
const INSTANCE_FILE = 'byok-instance.ts'

function scriptKindOf(path: string): ScriptKind {
  if (path.endsWith('.tsx')) return ScriptKind.TSX
  if (path.endsWith('.ts')) return ScriptKind.TS
  if (path.endsWith('.jsx')) return ScriptKind.JSX
  return ScriptKind.JS
}

/** `./lib/byok-instance` relative to `file` (no extension: Vite, Next and CRA resolve it). */
function instanceSpecifier(file: string, info: ProjectInfo): string {
  const target = posix.join(info.helperDir, INSTANCE_FILE.replace(/\.ts$/, ''))
  const rel = posix.relative(posix.dirname(file), target)
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** Adds `import { byok } from '<specifier>'` after the last import (or after directives), in the file's style. */
function ensureImport(file: SourceFile, specifier: string): void {
  if (file.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === specifier)) return
  const quote = detectQuote(file)
  const text = `import { byok } from ${quote}${specifier}${quote}${usesSemicolons(file) ? ';' : ''}`
  const last = file.getImportDeclarations().at(-1)
  if (last) {
    file.insertText(last.getEnd(), `\n${text}`)
    return
  }
  // After "use client" / "use strict" directives, which must stay first.
  const statements = file.getStatements()
  let anchor = 0
  for (const statement of statements) {
    if (/^['"]use [a-z]+['"];?$/.test(statement.getText().trim())) anchor = statement.getEnd()
    else break
  }
  file.insertText(anchor, anchor === 0 ? `${text}\n` : `\n${text}`)
}

function instanceSource(info: ProjectInfo): string {
  const env = RELAY_URL_ENV[info.framework]
  return `import { createByok } from './byok'

/** This app's byok client: provider calls go through the relay with the user's own key. Added by \`byok integrate\`. */
export const byok = createByok({
  relayUrl: ${env.read} ?? 'http://127.0.0.1:3000',
  appId: '${info.appId.replace(/['\\]/g, '')}',
})
`
}

interface FileOutcome {
  plan: FilePlan
  after?: string
  before: string
  manual: Diagnostic[]
  found: FoundSink[]
}

function planFile(
  project: Project,
  path: string,
  text: string,
  info: ProjectInfo,
  steps: readonly Transform[],
): FileOutcome {
  const file = project.createSourceFile(`/project/${path}`, text, {
    overwrite: true,
    scriptKind: scriptKindOf(path),
  })
  const found: FoundSink[] = detectSinks(file).map((sink) => ({
    file: path,
    line: (sink.kind === 'sdk' ? sink.node : sink.call).getStartLineNumber(),
    kind: sink.kind,
    provider: sink.provider,
    keySources: sink.keySources.map(describeKeySource),
  }))
  const manual: Diagnostic[] = []
  const applied: string[] = []
  const quote = detectQuote(file)
  for (const step of steps) {
    const result = step.apply(file, { file: path, byok: 'byok', quote })
    if (result.changes > 0) applied.push(step.id)
    manual.push(...result.diagnostics)
  }
  // Anything still detected after every step is a key use no transform handles: report it, never guess.
  for (const sink of detectSinks(file)) {
    const line = (sink.kind === 'sdk' ? sink.node : sink.call).getStartLineNumber()
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
  if (applied.length > 0) ensureImport(file, instanceSpecifier(path, info))
  const after = file.getFullText()
  project.removeSourceFile(file)
  const modified = after !== text
  const status: FileStatus = modified ? 'modified' : manual.length > 0 ? 'manual' : 'unchanged'
  return {
    plan: {
      path,
      status,
      diff: modified ? redactKeys(unifiedDiff(path, text, after)) : '',
      transforms: applied,
    },
    after: modified ? after : undefined,
    before: text,
    manual,
    found,
  }
}

/** Diffs go to terminals and agent transcripts: a key literal being removed is shown by its prefix only. */
function redactKeys(diff: string): string {
  return diff.replace(KEY_VALUE_PATTERN, (_match, prefix: string) => `${prefix}…[redacted]`)
}

function newFileDiff(path: string, content: string): string {
  return unifiedDiff(path, '', content).replace(`--- a/${path}`, '--- /dev/null')
}

/**
 * Plans the integration of a project without writing anything: per-file status and diff, the provider sinks
 * found (with key sources), manual work, and provider keys sitting in `.env*` files (names only).
 */
export function planIntegration(projectDir: string, options: PlanOptions): IntegrationPlan {
  const info = inspectProject(projectDir)
  const steps = options.only ? TRANSFORMS.filter((t) => options.only?.includes(t.id)) : TRANSFORMS
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve },
  })
  const helperPaths = new Set([`${info.helperDir}/${HELPER_FILE}`, `${info.helperDir}/${INSTANCE_FILE}`])
  const files: FilePlan[] = []
  const manual: Diagnostic[] = []
  const found: FoundSink[] = []
  const writes: IntegrationPlan['writes'][number][] = []
  for (const path of listSourceFiles(projectDir)) {
    if (helperPaths.has(path)) continue
    const text = readFileSync(join(projectDir, path), 'utf8')
    try {
      const outcome = planFile(project, path, text, info, steps)
      files.push(outcome.plan)
      manual.push(...outcome.manual)
      found.push(...outcome.found)
      if (outcome.after !== undefined) writes.push({ path, before: text, after: outcome.after })
    } catch (error) {
      // One file that cannot be parsed or rewritten never stops the run.
      files.push({
        path,
        status: 'error',
        diff: '',
        transforms: [],
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }
  if (writes.length > 0) {
    const helper = `${info.helperDir}/${HELPER_FILE}`
    const instance = `${info.helperDir}/${INSTANCE_FILE}`
    for (const [path, content] of [
      [helper, readFileSync(join(options.templatesDir, 'client', HELPER_FILE), 'utf8')],
      [instance, instanceSource(info)],
    ] as const) {
      if (existsSync(join(projectDir, path))) continue
      files.push({ path, status: 'modified', diff: newFileDiff(path, content), transforms: [] })
      writes.push({ path, before: null, after: content })
    }
    const envExample = planEnvExample(projectDir, info)
    if (envExample) {
      files.push({ path: '.env.example', status: 'modified', diff: envExample.diff, transforms: [] })
      writes.push(envExample.write)
    }
  }
  return {
    projectDir,
    framework: info.framework,
    files,
    found,
    manual,
    leakedEnvKeys: findLeakedEnvKeys(projectDir, found),
    writes,
  }
}

/** Adds `<PREFIX>_BYOK_RELAY_URL=` to `.env.example` (created when missing) unless it is there already. */
function planEnvExample(projectDir: string, info: ProjectInfo) {
  const path = '.env.example'
  const variable = RELAY_URL_ENV[info.framework].variable
  const full = join(projectDir, path)
  const before = existsSync(full) ? readFileSync(full, 'utf8') : null
  if (before !== null && new RegExp(`^\\s*${variable}\\s*=`, 'm').test(before)) return undefined
  const line = `# The byok relay this app calls providers through (byok integrate)\n${variable}=http://127.0.0.1:3000\n`
  const after =
    before === null ? line : `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${line}`
  const diff = before === null ? newFileDiff(path, after) : unifiedDiff(path, before, after)
  return { diff, write: { path, before, after } }
}

/** Variables with a value in `.env*` that look like provider keys or feed a detected sink (names only). */
function findLeakedEnvKeys(
  projectDir: string,
  found: readonly FoundSink[],
): { file: string; variable: string }[] {
  const sinkVars = new Set(
    found.flatMap((f) => f.keySources.filter((s) => s.startsWith('env ')).map((s) => s.slice('env '.length))),
  )
  const leaked: { file: string; variable: string }[] = []
  for (const file of listEnvFiles(projectDir)) {
    let text: string
    try {
      text = readFileSync(join(projectDir, file), 'utf8')
    } catch {
      continue
    }
    for (const variable of envNamesWithValues(text)) {
      if (variable.endsWith('BYOK_RELAY_URL')) continue
      if (sinkVars.has(variable) || KEY_ENV_NAME.test(variable)) leaked.push({ file, variable })
    }
  }
  return leaked
}

/** Writes a plan's files atomically (temp file + rename), refusing any file that changed since it was planned. */
export function applyIntegration(plan: IntegrationPlan): { written: string[] } {
  for (const write of plan.writes) {
    const full = join(plan.projectDir, write.path)
    const current = existsSync(full) ? readFileSync(full, 'utf8') : null
    if (current !== write.before) {
      throw new Error(`${write.path} changed since the plan was made; run byok integrate again`)
    }
  }
  const written: string[] = []
  for (const write of plan.writes) {
    const full = join(plan.projectDir, write.path)
    mkdirSync(dirname(full), { recursive: true })
    const temp = `${full}.byok-${randomBytes(4).toString('hex')}.tmp`
    try {
      writeFileSync(temp, write.after)
      renameSync(temp, full)
    } finally {
      rmSync(temp, { force: true })
    }
    written.push(write.path)
  }
  return { written }
}
