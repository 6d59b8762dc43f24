import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { Project, ts } from 'ts-morph'
import { unifiedDiff } from './diff.js'
import { KEY_ENV_NAME, KEY_VALUE_PATTERN } from './mappings/providers.js'
import { type FoundSink, planFile } from './plan-file.js'
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

export type { FoundSink } from './plan-file.js'

/**
 * `modified`: the plan rewrites it · `unchanged`: nothing to do · `manual`: provider use left for a person (see
 * `manual`) · `skipped`: not examined (`reason` says why: too large, a script language the codemod cannot parse) ·
 * `error`: reading or transforming it failed (`error`); the run goes on with the other files.
 */
export type FileStatus = 'modified' | 'unchanged' | 'manual' | 'skipped' | 'error'

export interface FilePlan {
  /** Project-relative path, forward slashes. */
  readonly path: string
  readonly status: FileStatus
  /** Unified diff (empty unless modified); a new file diffs against /dev/null. */
  readonly diff: string
  /** Transform ids that changed the file. */
  readonly transforms: readonly string[]
  readonly error?: string
  /** Why a file was skipped. */
  readonly reason?: string
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

/** Progress while planning: `start` once, then `file` after each file (with how long it took). */
export type PlanProgress =
  | { readonly type: 'start'; readonly total: number }
  | {
      readonly type: 'file'
      readonly path: string
      readonly index: number
      readonly total: number
      readonly status: FileStatus
      readonly ms: number
    }

export interface PlanOptions {
  /** Run only these transform ids (default: all, in order). */
  readonly only?: readonly string[]
  /** The templates directory holding `client/byok.ts`. */
  readonly templatesDir: string
  readonly onProgress?: (event: PlanProgress) => void
  /** The step list (default `TRANSFORMS`); tests inject a failing step to prove one file cannot stop the run. */
  readonly transforms?: readonly Transform[]
}

/** Larger sources are generated or minified bundles: parsing them is slow and rewriting them is wrong. */
const MAX_FILE_BYTES = 1_000_000

/** The helper and instance file names, in the project's language (a static site's pages import JavaScript natively). */
function helperFiles(info: ProjectInfo): { helper: string; instance: string } {
  const ext = info.language
  return { helper: `${info.helperDir}/byok.${ext}`, instance: `${info.helperDir}/byok-instance.${ext}` }
}

/** `./lib/byok-instance` relative to `file`; bundlers resolve it without an extension, browsers need `.js`. */
function instanceSpecifier(file: string, info: ProjectInfo): string {
  const target = posix.join(
    info.helperDir,
    info.framework === 'static' ? 'byok-instance.js' : 'byok-instance',
  )
  const rel = posix.relative(posix.dirname(file), target)
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** Vite builds root pages (not `public/`, served verbatim); a static site loads modules natively; Next/CRA pages are not bundled. */
function htmlModulesCanImport(path: string, info: ProjectInfo): boolean {
  if (info.framework === 'static') return true
  return info.framework === 'vite' && !path.startsWith('public/')
}

function instanceSource(info: ProjectInfo): string {
  const env = RELAY_URL_ENV[info.framework]
  const helper = info.framework === 'static' ? './byok.js' : './byok'
  const where =
    info.framework === 'static'
      ? '\n  // A static site has no env: set window.BYOK_RELAY_URL before this module loads, or edit the fallback.'
      : ''
  return `import { createByok } from '${helper}'

/** This app's byok client: provider calls go through the relay with the user's own key. Added by \`byok integrate\`. */
export const byok = createByok({${where}
  relayUrl: ${env.read} ?? 'http://127.0.0.1:3000',
  appId: '${info.appId.replace(/['\\]/g, '')}',
})
`
}

/** The client helper template; a JavaScript project (or a static site) gets it with the types stripped. */
function helperSource(info: ProjectInfo, templatesDir: string): string {
  const source = readFileSync(join(templatesDir, 'client', 'byok.ts'), 'utf8')
  if (info.language === 'ts') return source
  return ts.transpileModule(source, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  }).outputText
}

function statusOf(
  before: string,
  after: string,
  manual: readonly Diagnostic[],
  skipped?: string,
): FileStatus {
  if (after !== before) return 'modified'
  if (manual.length > 0) return 'manual'
  return skipped ? 'skipped' : 'unchanged'
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
 * found (with key sources), manual work, and provider keys sitting in `.env*` files (names only). Script blocks of
 * `.vue`, `.svelte` and `.html` files go through the same steps; their line numbers are those of the container.
 *
 * @example
 * const plan = planIntegration('/path/to/app', { templatesDir, onProgress: (e) => e.type === 'start' && log(e.total) })
 */
export function planIntegration(projectDir: string, options: PlanOptions): IntegrationPlan {
  const sources = listSourceFiles(projectDir)
  const info = inspectProject(projectDir, sources)
  const all = options.transforms ?? TRANSFORMS
  const steps = options.only ? all.filter((t) => options.only?.includes(t.id)) : all
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve },
  })
  const helpers = helperFiles(info)
  const helperPaths = new Set([helpers.helper, helpers.instance])
  const files: FilePlan[] = []
  const manual: Diagnostic[] = []
  const found: FoundSink[] = []
  const writes: IntegrationPlan['writes'][number][] = []
  let helperNeeded = false
  const paths = sources.filter((path) => !helperPaths.has(path))
  options.onProgress?.({ type: 'start', total: paths.length })
  paths.forEach((path, index) => {
    const started = performance.now()
    const plan = planOneFile(projectDir, path, info, steps, project)
    files.push(plan.file)
    manual.push(...plan.manual)
    found.push(...plan.found)
    if (plan.write) writes.push(plan.write)
    helperNeeded ||= plan.needsHelper
    const ms = Math.round(performance.now() - started)
    options.onProgress?.({ type: 'file', path, index, total: paths.length, status: plan.file.status, ms })
  })
  if (helperNeeded) {
    for (const [path, content] of [
      [helpers.helper, helperSource(info, options.templatesDir)],
      [helpers.instance, instanceSource(info)],
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

/** One file's plan; any failure becomes an `error` status so one bad file never stops the run. */
function planOneFile(
  projectDir: string,
  path: string,
  info: ProjectInfo,
  steps: readonly Transform[],
  project: Project,
): {
  file: FilePlan
  manual: readonly Diagnostic[]
  found: readonly FoundSink[]
  write?: IntegrationPlan['writes'][number]
  needsHelper: boolean
} {
  const none = { manual: [], found: [], needsHelper: false }
  try {
    const full = join(projectDir, path)
    const size = statSync(full).size
    if (size > MAX_FILE_BYTES) {
      const reason = `larger than ${MAX_FILE_BYTES / 1_000_000} MB (a generated or minified file?)`
      return { ...none, file: { path, status: 'skipped', diff: '', transforms: [], reason } }
    }
    const text = readFileSync(full, 'utf8')
    const result = planFile({
      project,
      path,
      text,
      steps,
      specifier: instanceSpecifier(path, info),
      htmlModulesCanImport: htmlModulesCanImport(path, info),
    })
    const status = statusOf(text, result.after, result.manual, result.skipped)
    const modified = status === 'modified'
    return {
      file: {
        path,
        status,
        diff: modified ? redactKeys(unifiedDiff(path, text, result.after)) : '',
        transforms: [...result.applied],
        ...(status === 'skipped' && result.skipped ? { reason: result.skipped } : {}),
      },
      manual: result.manual,
      found: result.found,
      needsHelper: modified && result.needsHelper,
      ...(modified ? { write: { path, before: text, after: result.after } } : {}),
    }
  } catch (error) {
    return {
      ...none,
      file: {
        path,
        status: 'error',
        diff: '',
        transforms: [],
        // ts-morph appends the whole file and a stack to its messages: the first line is the reason.
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim(),
      },
    }
  }
}

/** Adds `<PREFIX>_BYOK_RELAY_URL=` to `.env.example` (created when missing) unless it is there already. */
function planEnvExample(projectDir: string, info: ProjectInfo) {
  // A static site has no env: its relay URL is the constant in the instance file.
  if (info.framework === 'static') return undefined
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
