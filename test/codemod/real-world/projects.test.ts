import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { commitAll } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { withBrowser } from '../../browser/support/chromium.js'
import { type StaticServer, startStaticServer } from '../../browser/support/static-server.js'
import { CLIENT_PACKAGE_DIR, packByokClient } from '../../client/pack.js'
import { run, userEnv } from '../../templates/helpers.js'
import { doctorProject, gitStatus, type IntegrateReport, integrate } from '../helpers.js'
import {
  type CorpusProject,
  checkoutProject,
  KNOWN_FAILING,
  PROJECTS,
  projectFiles,
  realWorldDir,
} from './projects.js'
import { dependencyHosts, envFileValues, scanBundle, scanSources, unreportedHits } from './scan.js'
import { ensureStack, type Stack } from './stacks.js'

// Each corpus project is checked as a user would experience `byok integrate`: its own checks pass before (else
// the fixture is wrong) and after; a second run changes nothing; nothing reaching a provider or holding a
// provider key is left in browser code or the build output without being reported; server code is untouched;
// `byok doctor` fails exactly while manual items remain. Projects run one after another (builds in sequence).
// BYOK_TEST_CORPUS=name,name narrows the run; BYOK_CORPUS_CACHE moves the shared stack installs.
const only = process.env.BYOK_TEST_CORPUS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
const selected = PROJECTS.filter((p) => !only || only.includes(p.name))

/** A relay URL nothing listens on: the builds only have to inline it. */
const BUILD_RELAY_URL = 'http://127.0.0.1:39998'
const RELAY_VARIABLES = [
  'VITE_BYOK_RELAY_URL',
  'NEXT_PUBLIC_BYOK_RELAY_URL',
  'REACT_APP_BYOK_RELAY_URL',
  'PUBLIC_BYOK_RELAY_URL',
  'NUXT_PUBLIC_BYOK_RELAY_URL',
]
/** Next builds can take minutes on a loaded 2-core machine, twice per project. */
const PROJECT_TIMEOUT = 1_800_000

let fontServer: StaticServer
let clientTarball: string
const timings: Record<string, string> = {}
const stackTimes = new Map<string, number>()
const outcomes: { project: string; passed: boolean; knownFailing?: string; problems: string[] }[] = []

beforeAll(async () => {
  // resolve(): the static server compares paths against its root without a trailing slash.
  fontServer = await startStaticServer(resolve(realWorldDir()))
  clientTarball = await packByokClient()
})

afterAll(async () => {
  await fontServer?.close()
  const artifacts = join(realWorldDir(), '..', '..', '..', 'test-artifacts')
  await mkdir(artifacts, { recursive: true })
  const summary = { stacks: Object.fromEntries(stackTimes), projects: timings, outcomes }
  await writeFile(join(artifacts, 'codemod-corpus.json'), `${JSON.stringify(summary, null, 2)}\n`)
  console.info(`corpus: stacks ${JSON.stringify(Object.fromEntries(stackTimes))}`)
})

function buildEnv(): Record<string, string> {
  return userEnv({
    ...Object.fromEntries(RELAY_VARIABLES.map((name) => [name, BUILD_RELAY_URL])),
    NEXT_FONT_GOOGLE_MOCKED_RESPONSES: realWorldDir('google-fonts-mock.cjs'),
    CORPUS_FONT_ORIGIN: fontServer.origin,
    NEXT_TELEMETRY_DISABLED: '1',
    ASTRO_TELEMETRY_DISABLED: '1',
    NUXT_TELEMETRY_DISABLED: '1',
    BROWSERSLIST_IGNORE_OLD_DATA: '1',
  })
}

/** The project's own scripts, in order; the first failure throws with its output. */
async function runChecks(dir: string, project: CorpusProject, phase: string): Promise<number> {
  // Next 16 takes the nearest git root or workspace file (a monorepo's pnpm-workspace.yaml) as its root and then
  // cannot see the stack's shared node_modules above it; those step aside while Next runs (byok needs the .git,
  // the monorepo's own checks run per package, not through its workspace).
  const parked =
    project.stack === 'next'
      ? ['.git', 'pnpm-workspace.yaml']
          .map((name) => join(dir, name))
          .filter((path) => existsSync(path))
          .map((path) => [path, join(dir, '..', `${basename(dir)}.${basename(path)}`)] as const)
      : []
  for (const [from, to] of parked) renameSync(from, to)
  try {
    return await runScripts(dir, project, phase)
  } finally {
    for (const [from, to] of parked) renameSync(to, from)
  }
}

async function runScripts(dir: string, project: CorpusProject, phase: string): Promise<number> {
  let total = 0
  for (const check of project.checks) {
    try {
      const { seconds } = await run('npm', ['run', check.script], {
        cwd: join(dir, check.dir),
        env: buildEnv(),
      })
      total += seconds
    } catch (error) {
      const output = error instanceof Error ? error.message : String(error)
      throw new Error(`${phase}: \`npm run ${check.script}\` in ${check.dir} failed\n${output.slice(-6000)}`)
    }
  }
  return total
}

/** Scaffolders ship `_gitignore` (so the templates' rules do not hide files here); a checkout restores the name. */
function restoreGitignores(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== '.git') restoreGitignores(full)
    else if (entry.name === '_gitignore') renameSync(full, join(dir, '.gitignore'))
  }
}

/** Page errors raised while Chromium loads `path` from `root` (a classic script throwing kills the page). */
async function pageErrors(root: string, path: string): Promise<string[]> {
  const server = await startStaticServer(root)
  try {
    return await withBrowser(async (context) => {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(`${server.origin}${path}`, { waitUntil: 'load' })
      await page.waitForTimeout(300)
      return errors
    })
  } finally {
    await server.close()
  }
}

const modifiedFiles = (report: IntegrateReport | undefined) =>
  (report?.files ?? []).filter((f) => f.status === 'modified').map((f) => f.path)

describe('real-world corpus', () => {
  it('has at least 30 projects, one fixture folder each, every layer used, covering every issue-14 shape', () => {
    expect(PROJECTS.length).toBeGreaterThanOrEqual(30)
    const folders = readdirSync(realWorldDir('fixtures', 'projects'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
    expect(PROJECTS.map((p) => p.name).sort()).toEqual(folders)
    expect(Object.keys(KNOWN_FAILING).filter((name) => !folders.includes(name))).toEqual([])
    const layers = readdirSync(realWorldDir('fixtures', 'layers')).sort()
    expect([...new Set(PROJECTS.flatMap((p) => Object.values(p.layers).flat()))].sort()).toEqual(layers)
    const covers = new Set(PROJECTS.flatMap((p) => p.covers))
    for (const shape of [
      'miss:runtime-endpoint',
      'miss:fetchEventSource',
      'miss:fetchSSE',
      'miss:gemini-live-ws',
      'miss:inline-classic-script',
      'miss:mv3-shared-helper',
      'server:route-handler',
      'server:pages-api',
      'server:use-server',
      'server:worker',
      'server:backend-package',
    ])
      expect(covers, shape).toContain(shape)
  })
})

describe.each(selected)('$name', (project) => {
  // A known codemod bug (KNOWN_FAILING): the project still runs in full and must still fail; when it passes, the
  // entry is stale and this test says so.
  const known = KNOWN_FAILING[project.name]
  ;(known ? it.fails : it)(
    'passes its own checks before and after byok integrate, idempotently, leaving nothing unreported and server code untouched',
    async () => {
      // Every failed expectation of this project, printed as soon as it finishes (the run is long) and kept
      // for the summary in test-artifacts/codemod-corpus.json.
      onTestFinished(({ task }) => {
        const problems = (task.result?.errors ?? []).map((e) =>
          `${e.message ?? ''}\n${e.diff ?? ''}`.split('\n').slice(0, 30).join('\n'),
        )
        outcomes.push({ project: project.name, passed: problems.length === 0, knownFailing: known, problems })
        console.info(
          `corpus ${project.name}: ${problems.length === 0 ? 'PASS' : `FAIL${known ? ' (known)' : ''}\n${problems.join('\n---\n')}`}`,
        )
      })
      let stack: Stack | undefined
      if (project.stack !== 'none') {
        stack = await ensureStack(project.stack, PROJECTS, clientTarball)
        if (!stackTimes.has(stack.name)) stackTimes.set(stack.name, Number(stack.installSeconds.toFixed(1)))
      }
      const base = stack ? join(stack.dir, 'projects') : tmpdir()
      mkdirSync(base, { recursive: true })
      const dir = mkdtempSync(join(base, `${project.name}-`))
      try {
        checkoutProject(project, dir)
        restoreGitignores(dir)
        commitAll(dir)

        // Keys: the browser's (env reads and literals) and the server's, by name; values never printed.
        const env = envFileValues(dir)
        const pick = (names: readonly string[]) =>
          new Map(
            names.map((name) => {
              const value = env.get(name)
              if (!value) throw new Error(`${project.name}: no value for ${name} in its env files`)
              return [name, value] as const
            }),
          )
        const browserKeys = new Map([
          ...pick(project.browserKeys),
          ...Object.entries(project.literalKeys ?? {}),
        ])
        const serverKeys = pick(project.serverKeys)
        const isServer = (path: string) =>
          project.server.some((s) => (s.endsWith('/') ? path.startsWith(s) : path === s))

        // Before: the fixture is a working app, its build output shows the direct calls, no server key leaks.
        const before = await runChecks(dir, project, 'before integration (the fixture is wrong)')
        expect(gitStatus(dir), 'the checks left the tree dirty (fixture is wrong)').toBe('')
        const bundleBefore = scanBundle(dir, project.output, new Map([...browserKeys, ...serverKeys]))
        expect(bundleBefore.filter((h) => serverKeys.has(h.what))).toEqual([])
        if (project.browserCalls)
          expect(bundleBefore.length, 'the bundle scan sees the direct calls').toBeGreaterThan(0)
        if (project.classicPage)
          expect(await pageErrors(join(dir, project.classicPage.root), project.classicPage.path)).toEqual([])
        const doctorBefore = await doctorProject(dir)
        expect.soft(doctorBefore.code, 'byok doctor before integration').toBe(project.browserCalls ? 1 : 0)

        // Integrate, then again: the second run finds the same manual work and changes nothing.
        const started = performance.now()
        const first = await integrate(dir, ['--yes'])
        expect(first.code, first.stderr).toBe(0)
        expect(first.report, first.stdout).toBeDefined()
        expect(first.stdout + first.stderr).not.toContain('FAKEFAKEFAKE')
        const integrateSeconds = (performance.now() - started) / 1000
        const modified = modifiedFiles(first.report)
        if (gitStatus(dir) !== '') commitAll(dir, 'byok integrate')
        const second = await integrate(dir, ['--yes'])
        expect(second.code, second.stderr).toBe(0)
        expect.soft(modifiedFiles(second.report), 'second run modifies nothing').toEqual([])
        expect.soft(gitStatus(dir), 'second run leaves the tree clean').toBe('')
        const reports = [first.report, second.report].filter((r): r is IntegrateReport => r !== undefined)
        const manual = second.report?.manual ?? []
        expect
          .soft(
            manual.filter((m) => !(m.line > 0 && m.reason && m.suggestion)),
            'every manual item has file:line, a reason and a suggested action',
          )
          .toEqual([])
        expect
          .soft(
            manual.map((m) => m.file).sort(),
            'the second run reports the first run’s manual items again (state from the code)',
          )
          .toEqual((first.report?.manual ?? []).map((m) => m.file).sort())

        // Server code byte for byte; a project without browser calls is not touched at all.
        for (const [file, from] of projectFiles(project))
          if (isServer(file))
            expect
              .soft(readFileSync(join(dir, file), 'utf8'), `server file ${file}`)
              .toBe(readFileSync(from, 'utf8'))
        if (!project.browserCalls) expect.soft(modified, 'no browser calls: nothing to change').toEqual([])
        for (const file of project.mustRewrite) {
          expect.soft(modified, `${file} is rewritten`).toContain(file)
          const sinks = (first.report?.found ?? []).filter((f) => f.file === file).map((f) => f.line)
          expect
            .soft(
              manual.filter((m) => m.file === file && sinks.includes(m.line)),
              `${file}: its provider call is rewritten, not left as a manual item`,
            )
            .toEqual([])
        }

        // Browser sources: every provider host, key variable, key value or SDK client left is reported.
        const sourceHits = scanSources(dir, browserKeys, isServer)
        const unreported = unreportedHits(dir, sourceHits, reports)
        expect.soft(unreported, 'left in browser code without a manual item').toEqual([])

        // `byok doctor` fails while manual items remain, passes when none do.
        const doctorAfter = await doctorProject(dir)
        expect
          .soft(doctorAfter.code, `byok doctor with ${manual.length} manual item(s)`)
          .toBe(manual.length > 0 ? 1 : 0)

        // After: the project's own checks still pass (only re-run when something changed).
        let after = 0
        if (modified.length > 0) {
          after = await runChecks(dir, project, 'after integration (byok broke the project)')
          if (project.classicPage)
            expect
              .soft(
                await pageErrors(join(dir, project.classicPage.root), project.classicPage.path),
                'page errors',
              )
              .toEqual([])
        }

        // Build output: no server key ever; a browser key or provider host only when reported in the sources
        // (or, for a host, when it is an installed SDK's own default URL).
        // @byok/client itself names every provider host (it maps them to the relay), also in its vendor files.
        const depHosts = new Set([
          ...(stack ? dependencyHosts(join(stack.dir, 'node_modules'), stack.packages) : []),
          ...dependencyHosts(CLIENT_PACKAGE_DIR, ['dist']),
        ])
        const reportedFiles = new Set(reports.flatMap((r) => r.manual.map((m) => m.file)))
        const explained = sourceHits.filter((h) => !unreported.includes(h))
        const bundle = scanBundle(dir, project.output, new Map([...browserKeys, ...serverKeys]))
        const bundleProblems = bundle.filter((hit) => {
          if (serverKeys.has(hit.what)) return true
          if (hit.kind === 'host')
            return !depHosts.has(hit.what) && !explained.some((h) => h.kind === 'host' && h.what === hit.what)
          return !sourceHits.some((h) => h.what === hit.what && reportedFiles.has(h.file))
        })
        expect.soft(bundleProblems, 'in the build output without a manual item').toEqual([])

        timings[project.name] =
          `before ${before.toFixed(1)}s, integrate ${integrateSeconds.toFixed(1)}s, after ${after.toFixed(1)}s; ` +
          `${modified.length} file(s) modified, ${manual.length} manual item(s)`
        console.info(`corpus ${project.name}: ${timings[project.name]}`)
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    },
    PROJECT_TIMEOUT,
  )
})
