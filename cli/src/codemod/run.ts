import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { Project, ts } from 'ts-morph'
import { type AppPackage, classifyFile, type FileRole, findApps, ownerOf } from './apps.js'
import {
  type ClassicLoad,
  classicLoads,
  insertClassicTags,
  manifestFindings,
  scriptTagStartFor,
} from './classic-scripts.js'
import {
  addDependency,
  CLIENT_PACKAGE,
  type CodeStyle,
  classicInstanceSource,
  clientFiles,
  clientVersionRange,
  instanceSource,
  readVendorFile,
} from './client-package.js'
import { unifiedDiff } from './diff.js'
import { detectQuote, removeUnusedKeyConsts, usesSemicolons } from './edit-utils.js'
import type { Framework } from './frameworks.js'
import { serverOnlyModules } from './import-graph.js'
import { KEY_ENV_NAME, KEY_VALUE_PATTERN } from './mappings/providers.js'
import { type FoundSink, planFile, scriptKindOf } from './plan-file.js'
import { envNamesWithValues, listEnvFiles, listSourceFiles } from './project.js'
import { TRANSFORMS } from './transforms/index.js'
import type { Diagnostic, Transform } from './types.js'
import { dropArguments, type RemovedParameter } from './unused-parameters.js'

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
  /** Set for server code (never rewritten): why it is server code. */
  readonly server?: string
}

/** An app package of the project and what the plan adds to it (monorepos have several). */
export interface AppPlan {
  /** Project-relative directory ('' for the root). */
  readonly dir: string
  readonly framework: Framework
  readonly role: AppPackage['role']
  /** The relay URL setting: a public env variable, or a page global when the app has no bundler. */
  readonly relayUrlVariable: string
  readonly relayUrlIsEnv: boolean
  /** The instance module the plan writes or uses (project-relative), when the app needs the client. */
  readonly instance?: string
  /** `@byok/client@^x.y.z` when the plan adds the dependency to the app's package.json. */
  readonly dependency?: string
  /** True when the client is copied into the app (`--vendor`, or no bundler) instead of installed. */
  readonly vendored: boolean
}

/** Provider use in server code: the key stays on the server, so it is fine (listed, never rewritten). */
export interface ServerSideUse {
  readonly file: string
  readonly line: number
  readonly provider: string
  /** Why the file is server code. */
  readonly reason: string
}

export interface IntegrationPlan {
  readonly projectDir: string
  /** The framework of the main app (the root app, else the first app package). */
  readonly framework: Framework
  readonly apps: readonly AppPlan[]
  readonly files: readonly FilePlan[]
  readonly found: readonly FoundSink[]
  readonly manual: readonly Diagnostic[]
  /** Server-side provider use: "server-side, key stays on your server: fine". */
  readonly serverSide: readonly ServerSideUse[]
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

interface PlanOptions {
  /** Run only these transform ids (default: all, in order). */
  readonly only?: readonly string[]
  /** The templates directory holding `client/` (the @byok/client package and its dist/vendor builds). */
  readonly templatesDir: string
  /** Copy the compiled client file into each app instead of adding the @byok/client dependency. */
  readonly vendor?: boolean
  readonly onProgress?: (event: PlanProgress) => void
  /** The step list (default `TRANSFORMS`); tests inject a failing step to prove one file cannot stop the run. */
  readonly transforms?: readonly Transform[]
}

/** Larger sources are generated or minified bundles: parsing them is slow and rewriting them is wrong. */
const MAX_FILE_BYTES = 1_000_000

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

/** Per app: whether files import the instance, whether classic scripts call the global, and its code style. */
interface AppNeeds {
  module: boolean
  global: boolean
  style?: CodeStyle
}

/**
 * Plans the integration of a project without writing anything: per-file status and diff, the provider sinks
 * found (with key sources), manual work, server-side use (fine, untouched), and provider keys sitting in `.env*`
 * files (names only). Each app package gets its own instance module, `@byok/client` dependency and relay URL
 * variable; script blocks of `.vue`, `.svelte` and `.html` files go through the same steps, with container lines.
 *
 * @example
 * const plan = planIntegration('/path/to/app', { templatesDir, onProgress: (e) => e.type === 'start' && log(e.total) })
 */
export function planIntegration(projectDir: string, options: PlanOptions): IntegrationPlan {
  const sources = listSourceFiles(projectDir)
  const apps = findApps(projectDir, sources)
  const classic = classicLoads(projectDir, sources, apps)
  const all = options.transforms ?? TRANSFORMS
  const steps = options.only ? all.filter((t) => options.only?.includes(t.id)) : all
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    // noLib: detection is per file and never needs the standard library's types; loading them for a reference
    // search (google-generative-ai's call sites) cost seconds per file.
    compilerOptions: { allowJs: true, jsx: ts.JsxEmit.Preserve, noLib: true },
  })
  const vendored = (app: AppPackage) => !!options.vendor || !app.profile.bundled || !app.hasPackageJson
  const own = new Set(apps.flatMap((app) => Object.values(clientFiles(app))))
  const files: FilePlan[] = []
  const manual: Diagnostic[] = []
  const found: FoundSink[] = []
  const serverSide: ServerSideUse[] = []
  const writes: IntegrationPlan['writes'][number][] = []
  const needs = new Map<AppPackage, AppNeeds>()
  const needOf = (app: AppPackage) =>
    needs.get(app) ?? needs.set(app, { module: false, global: false }).get(app)!
  /** Pages that must load the classic client before a classic file they load (file → pages). */
  const pagesNeedingTags = new Map<string, string[]>()
  const paths = sources.filter((path) => !own.has(path))
  const removals = new Map<string, readonly RemovedParameter[]>()
  const serverOnly = serverOnlyModules(
    projectDir,
    paths,
    (path, text) => classifyFile(ownerOf(apps, path), path, text).kind === 'server',
  )
  options.onProgress?.({ type: 'start', total: paths.length })
  paths.forEach((path, index) => {
    const started = performance.now()
    const app = ownerOf(apps, path)
    const plan = planOneFile(projectDir, path, app, steps, project, {
      classic: classic.get(path),
      specifier: instanceSpecifier(path, app),
      serverImporters: serverOnly.get(path),
    })
    files.push(plan.file)
    manual.push(...plan.manual)
    found.push(...plan.found)
    serverSide.push(...plan.serverSide)
    if (plan.write) writes.push(plan.write)
    if (plan.removedParameters?.some((r) => r.exported)) removals.set(path, plan.removedParameters)
    const need = needOf(app)
    need.module ||= plan.needsHelper
    need.global ||= plan.usesGlobal
    need.style ??= plan.style
    if (plan.usesGlobal && !isContainerFile(path)) {
      for (const load of classic.get(path) ?? []) {
        if (load.html) pagesNeedingTags.set(load.html, [...(pagesNeedingTags.get(load.html) ?? []), path])
      }
    }
    const ms = Math.round(performance.now() - started)
    options.onProgress?.({ type: 'file', path, index, total: paths.length, status: plan.file.status, ms })
  })
  addClassicTagsToPages(projectDir, apps, pagesNeedingTags, files, writes)
  fixCallersOfRemovedParameters(projectDir, removals, paths, project, files, writes)
  manual.push(...manifestFindings(projectDir, apps))
  const appPlans: AppPlan[] = []
  for (const app of apps) {
    const need = needs.get(app)
    const plan = planAppFiles(projectDir, app, need, vendored(app), options.templatesDir)
    for (const file of plan.files) {
      const before = existsSync(join(projectDir, file.path))
        ? readFileSync(join(projectDir, file.path), 'utf8')
        : null
      if (before === file.after) continue
      const diff =
        before === null ? newFileDiff(file.path, file.after) : unifiedDiff(file.path, before, file.after)
      files.push({ path: file.path, status: 'modified', diff, transforms: [] })
      writes.push({ path: file.path, before, after: file.after })
    }
    if (app.role === 'app' && (app.dir === '' || need !== undefined || app.hasPackageJson)) {
      appPlans.push({
        dir: app.dir,
        framework: app.profile.id,
        role: app.role,
        relayUrlVariable: app.profile.relayUrl.variable,
        relayUrlIsEnv: app.profile.relayUrl.env,
        ...(plan.instance ? { instance: plan.instance } : {}),
        ...(plan.dependency ? { dependency: plan.dependency } : {}),
        vendored: vendored(app),
      })
    }
  }
  const main =
    apps.find((a) => a.dir === '' && a.role === 'app') ?? apps.find((a) => a.role === 'app') ?? apps.at(-1)!
  return {
    projectDir,
    framework: main.profile.id,
    apps: appPlans.sort((a, b) => a.dir.localeCompare(b.dir)),
    files,
    found,
    manual,
    serverSide,
    leakedEnvKeys: findLeakedEnvKeys(projectDir, found, apps),
    writes,
  }
}

function isContainerFile(path: string): boolean {
  return /\.(html?|vue|svelte|astro)$/.test(path)
}

/** `./lib/byok-instance` relative to `file`; bundlers resolve it without an extension, browsers need `.js`. */
function instanceSpecifier(file: string, app: AppPackage): string {
  const instance = clientFiles(app).instance
  // Unbundled TypeScript is compiled by tsc, which resolves `./byok-instance.js` to the `.ts` beside it.
  const target = app.profile.bundled ? instance.replace(/\.[jt]s$/, '') : instance.replace(/\.ts$/, '.js')
  const rel = posix.relative(posix.dirname(file), target)
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** Which inline module scripts of a page may import the instance (see `FrameworkProfile.htmlModulesImport`). */
function htmlModulesCanImport(path: string, app: AppPackage): boolean {
  const rule = app.profile.htmlModulesImport
  if (rule === 'all') return true
  const rel = app.dir === '' ? path : path.slice(app.dir.length + 1)
  return rule === 'built-pages' && !rel.startsWith('public/')
}

/**
 * The files an app needs for the plan: the instance module (importing `@byok/client`, or the vendored build), the
 * dependency in its package.json, the classic client for classic scripts, and its relay URL in `.env.example`.
 * Existing instance files are kept as they are (a second run, or the person edited them).
 */
function planAppFiles(
  projectDir: string,
  app: AppPackage,
  need: AppNeeds | undefined,
  vendored: boolean,
  templatesDir: string,
): { files: { path: string; after: string }[]; instance?: string; dependency?: string } {
  const files: { path: string; after: string }[] = []
  if (!need || (!need.module && !need.global)) return { files }
  const paths = clientFiles(app)
  const exists = (path: string) => existsSync(join(projectDir, path))
  const style = need.style ?? { quote: "'", semicolons: false }
  let dependency: string | undefined
  if (need.module) {
    if (vendored) {
      if (!exists(paths.vendorModule))
        files.push({ path: paths.vendorModule, after: readVendorFile(templatesDir, 'module') })
      if (app.language === 'ts' && !exists(paths.vendorTypes))
        files.push({ path: paths.vendorTypes, after: readVendorFile(templatesDir, 'types') })
    } else {
      const manifest = posix.join(app.dir, 'package.json')
      const range = clientVersionRange(templatesDir)
      const after = addDependency(readFileSync(join(projectDir, manifest), 'utf8'), range)
      if (after) files.push({ path: manifest, after })
      dependency = `${CLIENT_PACKAGE}@${range}`
    }
    if (!exists(paths.instance)) {
      const from = vendored ? relativeSpecifier(paths.instance, paths.vendorModule) : CLIENT_PACKAGE
      files.push({ path: paths.instance, after: instanceSource(app, from, style) })
    }
  }
  if (need.global) {
    if (!exists(paths.vendorGlobal))
      files.push({ path: paths.vendorGlobal, after: readVendorFile(templatesDir, 'global') })
    if (!exists(paths.classicInstance))
      files.push({ path: paths.classicInstance, after: classicInstanceSource(app) })
  }
  const envExample = planEnvExample(projectDir, app)
  if (envExample) files.push(envExample)
  return {
    files,
    ...(need.module ? { instance: paths.instance } : {}),
    ...(dependency ? { dependency } : {}),
  }
}

/** `./vendor/byok.js` from the instance module's folder (browsers and bundlers both resolve it). */
function relativeSpecifier(from: string, to: string): string {
  const rel = posix.relative(posix.dirname(from), to)
  return rel.startsWith('.') ? rel : `./${rel}`
}

/** Puts the classic client's tags in front of the `<script src>` of each rewritten classic file, once per page. */
function addClassicTagsToPages(
  projectDir: string,
  apps: readonly AppPackage[],
  pages: ReadonlyMap<string, readonly string[]>,
  files: FilePlan[],
  writes: IntegrationPlan['writes'][number][],
): void {
  for (const [page, scripts] of pages) {
    const app = ownerOf(apps, page)
    const pending = writes.find((w) => w.path === page)
    const before = pending?.before ?? readFileSync(join(projectDir, page), 'utf8')
    const current = pending?.after ?? before
    const starts = scripts
      .map((file) => scriptTagStartFor(current, page, app, file))
      .filter((n): n is number => n !== undefined)
    if (starts.length === 0) continue
    const after = insertClassicTags(current, Math.min(...starts), app, page)
    if (after === current) continue
    const diff = unifiedDiff(page, before, after)
    const index = files.findIndex((f) => f.path === page)
    const entry: FilePlan = {
      path: page,
      status: 'modified',
      diff,
      transforms: files[index]?.transforms ?? [],
    }
    if (index === -1) files.push(entry)
    else files[index] = entry
    if (pending) writes.splice(writes.indexOf(pending), 1)
    writes.push({ path: page, before, after })
  }
}

/**
 * A rewrite removed the key parameter of an exported function: its callers in other files pass one argument too
 * many (TS2554). Drops that argument at every call reached through an import of the function, and a key const
 * the argument was the last use of.
 */
function fixCallersOfRemovedParameters(
  projectDir: string,
  removals: ReadonlyMap<string, readonly RemovedParameter[]>,
  paths: readonly string[],
  project: Project,
  files: FilePlan[],
  writes: IntegrationPlan['writes'][number][],
): void {
  if (removals.size === 0) return
  const stem = (path: string) => path.replace(/(\/index)?\.[cm]?[jt]sx?$/, '')
  const byModule = new Map([...removals].map(([path, list]) => [stem(path), list.filter((r) => r.exported)]))
  for (const path of paths.filter((p) => /\.[cm]?[jt]sx?$/.test(p))) {
    const pending = writes.find((w) => w.path === path)
    let before: string
    try {
      before = pending?.before ?? readFileSync(join(projectDir, path), 'utf8')
    } catch {
      continue
    }
    const current = pending?.after ?? before
    const names = [...byModule.values()].flat().map((r) => r.name)
    if (!names.some((name) => current.includes(name))) continue
    const file = project.createSourceFile(`/callers/${path}`, current, {
      overwrite: true,
      scriptKind: scriptKindOf(path),
    })
    try {
      const read: string[] = []
      for (const declaration of file.getImportDeclarations()) {
        const specifier = declaration.getModuleSpecifierValue()
        if (!specifier.startsWith('.')) continue
        const list = byModule.get(stem(posix.join(posix.dirname(path), specifier)))
        for (const removal of list ?? []) {
          const named = declaration.getNamedImports().find((n) => n.getName() === removal.name)
          if (named)
            read.push(...dropArguments(file, named.getAliasNode()?.getText() ?? removal.name, removal.index))
        }
      }
      if (read.length === 0) continue
      removeUnusedKeyConsts(file, read)
      const after = file.getFullText()
      const entry: FilePlan = {
        path,
        status: 'modified',
        diff: redactKeys(unifiedDiff(path, before, after)),
        transforms: files.find((f) => f.path === path)?.transforms ?? [],
      }
      const index = files.findIndex((f) => f.path === path)
      if (index === -1) files.push(entry)
      else files[index] = entry
      if (pending) writes.splice(writes.indexOf(pending), 1)
      writes.push({ path, before, after })
    } finally {
      project.removeSourceFile(file)
    }
  }
}

interface OneFilePlan {
  removedParameters?: readonly RemovedParameter[]
  file: FilePlan
  manual: readonly Diagnostic[]
  found: readonly FoundSink[]
  serverSide: readonly ServerSideUse[]
  write?: IntegrationPlan['writes'][number]
  needsHelper: boolean
  usesGlobal: boolean
  style?: CodeStyle
}

/** One file's plan; any failure becomes an `error` status so one bad file never stops the run. */
function planOneFile(
  projectDir: string,
  path: string,
  app: AppPackage,
  steps: readonly Transform[],
  project: Project,
  where: {
    classic: readonly ClassicLoad[] | undefined
    specifier: string
    /** Set when only server code imports this module (it is server code then). */
    serverImporters: readonly string[] | undefined
  },
): OneFilePlan {
  const none = { manual: [], found: [], serverSide: [], needsHelper: false, usesGlobal: false }
  try {
    const full = join(projectDir, path)
    const size = statSync(full).size
    if (size > MAX_FILE_BYTES) {
      const reason = `larger than ${MAX_FILE_BYTES / 1_000_000} MB (a generated or minified file?)`
      return { ...none, file: { path, status: 'skipped', diff: '', transforms: [], reason } }
    }
    const text = readFileSync(full, 'utf8')
    const importers = where.serverImporters
    const role: FileRole = importers
      ? { kind: 'server', reason: `imported only by server code (${importers.join(', ')})` }
      : classifyFile(app, path, text)
    // A classic file may be rewritten against the global client only in an app without a bundler, and not when an
    // extension manifest loads it (its content scripts and service worker have no page to add tags to).
    const classic = where.classic
      ? where.classic.every((l) => l.html) && !app.profile.bundled
        ? 'global'
        : 'report'
      : undefined
    const result = planFile({
      project,
      path,
      text,
      steps,
      specifier: where.specifier,
      htmlModulesCanImport: htmlModulesCanImport(path, app),
      mode: role.kind === 'client' ? 'client' : role.kind === 'config' ? 'config' : 'report',
      ...(classic ? { classic } : {}),
      ...(!app.profile.bundled && role.kind === 'client'
        ? { classicTagsBefore: (html: string, at: number) => insertClassicTags(html, at, app, path) }
        : {}),
    })
    if (role.kind === 'server') {
      const serverSide = result.found.map((f) => ({
        file: path,
        line: f.line,
        provider: f.provider,
        reason: role.reason,
      }))
      const file: FilePlan = { path, status: 'unchanged', diff: '', transforms: [], server: role.reason }
      return { ...none, serverSide, file }
    }
    const manual = role.kind === 'library' ? result.manual.map((d) => inLibrary(d, role)) : result.manual
    const status = statusOf(text, result.after, manual, result.skipped)
    const modified = status === 'modified'
    return {
      file: {
        path,
        status,
        diff: modified ? redactKeys(unifiedDiff(path, text, result.after)) : '',
        transforms: [...result.applied],
        ...(status === 'skipped' && result.skipped ? { reason: result.skipped } : {}),
      },
      manual,
      found: result.found,
      serverSide: [],
      needsHelper: modified && result.needsHelper,
      usesGlobal: modified && result.usesGlobal,
      ...(role.kind === 'client' && !isContainerFile(path) ? { style: styleOf(project, path, text) } : {}),
      ...(modified ? { write: { path, before: text, after: result.after } } : {}),
      ...(result.removedParameters?.length ? { removedParameters: result.removedParameters } : {}),
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

function inLibrary(d: Diagnostic, role: Extract<FileRole, { kind: 'library' }>): Diagnostic {
  return {
    ...d,
    reason: `${d.reason} (${role.reason})`,
    suggestion: `${d.suggestion}; or move this call into the app that uses it and run byok integrate again`,
  }
}

/** The quote and semicolon habit of one of the app's sources, for the files the plan adds. */
function styleOf(project: Project, path: string, text: string): CodeStyle | undefined {
  if (!/\.[cm]?[jt]sx?$/.test(path) || text.trim() === '') return undefined
  const file = project.createSourceFile(`/style/${path}`, text, { overwrite: true })
  try {
    return { quote: detectQuote(file), semicolons: usesSemicolons(file) }
  } finally {
    project.removeSourceFile(file)
  }
}

/** `<PREFIX>_BYOK_RELAY_URL=` in the app's `.env.example` (created when missing) unless it is there already. */
function planEnvExample(projectDir: string, app: AppPackage): { path: string; after: string } | undefined {
  // Without a bundler there is no env: the relay URL is the page global or the instance's fallback.
  if (!app.profile.relayUrl.env) return undefined
  const path = posix.join(app.dir, '.env.example')
  const variable = app.profile.relayUrl.variable
  const full = join(projectDir, path)
  const before = existsSync(full) ? readFileSync(full, 'utf8') : null
  if (before !== null && new RegExp(`^\\s*${variable}\\s*=`, 'm').test(before)) return undefined
  const line = `# The byok relay this app calls providers through (byok integrate)\n${variable}=http://127.0.0.1:3000\n`
  return {
    path,
    after: before === null ? line : `${before}${before === '' || before.endsWith('\n') ? '' : '\n'}${line}`,
  }
}

/** Variables with a value in the apps' `.env*` files that look like provider keys or feed a detected sink (names only). */
function findLeakedEnvKeys(
  projectDir: string,
  found: readonly FoundSink[],
  apps: readonly AppPackage[],
): { file: string; variable: string }[] {
  const sinkVars = new Set(
    found.flatMap((f) => f.keySources.filter((s) => s.startsWith('env ')).map((s) => s.slice('env '.length))),
  )
  const leaked: { file: string; variable: string }[] = []
  const dirs = [...new Set(['', ...apps.filter((a) => a.role === 'app').map((a) => a.dir)])].sort()
  for (const dir of dirs) {
    for (const name of listEnvFiles(join(projectDir, dir))) {
      const file = posix.join(dir, name)
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
