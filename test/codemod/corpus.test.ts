import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { commitAll, withTempDir } from '../../cli/test/helpers.js'
import { run, useLocalClientPackage, userEnv } from '../templates/helpers.js'
import { CORPUS, type CorpusFixture, RELAY_URL_VARIABLE } from './corpus.js'
import {
  checkoutFixture,
  codeStyle,
  doctorProject,
  envValues,
  fileChange,
  fixtureNames,
  fixturesDir,
  gitStatus,
  type IntegrateReport,
  integrate,
  readProjectFile,
  scriptCode,
  secretHits,
  styleViolations,
} from './helpers.js'

// Every fixture project in fixtures/ goes through `byok integrate` as a real process in a temp git repository
// (first describe), then is installed from the registry, type-checked and built with its framework's own build
// (second describe). BYOK_TEST_CODEMOD_FIXTURES=vue-sfc-groq,cra-genai narrows both to those fixtures.
const only = process.env.BYOK_TEST_CODEMOD_FIXTURES?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
const selected = CORPUS.filter((f) => !only || only.includes(f.name))

/** A relay URL no test listens on: it only has to end up inlined in the bundle. */
const BUILD_RELAY_URL = 'http://127.0.0.1:39999'
const NOT_SOURCES = new Set(['.git', 'node_modules'])
const isEnvFile = (path: string) => /(^|\/)\.env(\.|$)/.test(path) && !path.endsWith('.env.example')

/** A fresh checkout of the fixture in `dir` (a committed git repository), then `byok integrate --yes --json`. */
function integrateFixture(fixture: CorpusFixture, dir: string) {
  checkoutFixture(fixture.name, dir)
  return integrate(dir, ['--yes'])
}

describe('corpus', () => {
  it('every fixture folder has a corpus entry, and every entry a folder', () => {
    expect(CORPUS.map((f) => f.name).sort()).toEqual(fixtureNames())
  })

  it('covers every catalogue section A–E and each fixture sets at least one trap', () => {
    const ids = new Set(CORPUS.flatMap((f) => f.covers))
    for (const section of ['A', 'B', 'C', 'D', 'E'])
      expect(
        [...ids].some((id) => id.startsWith(section)),
        section,
      ).toBe(true)
    for (const fixture of CORPUS) {
      expect(
        fixture.covers.some((id) => id.startsWith('F')),
        `${fixture.name} has no trap`,
      ).toBe(true)
      expect(fixture.untouched.length, fixture.name).toBeGreaterThan(0)
    }
  })
})

describe.each(selected)('byok integrate on $name', (fixture) => {
  it('rewrites the provider calls only, leaves the traps and the style alone, and is idempotent', () =>
    withTempDir(async (dir) => {
      const started = performance.now()
      checkoutFixture(fixture.name, dir)
      // `byok doctor` sees the direct provider calls before the codemod (so its pass afterwards means something).
      const doctorBefore = await doctorProject(dir)
      expect(doctorBefore.code, doctorBefore.stderr).toBe(1)
      const failingBefore = doctorBefore.project?.findings.filter((f) => f.severity === 'fail') ?? []
      for (const [file] of fixture.sinks) expect(failingBefore.map((f) => f.file)).toContain(file)
      for (const trap of fixture.untouched) expect(failingBefore.filter((f) => f.file === trap)).toEqual([])

      const first = await integrate(dir, ['--yes'])
      expect(first.code, first.stderr).toBe(0)
      const report = first.report as IntegrateReport
      expect(report, first.stdout).toBeDefined()
      expect(report.applied, JSON.stringify({ found: report.found, manual: report.manual })).toBe(true)
      expect(report.framework).toBe(fixture.framework)
      expect(report.files.filter((f) => f.status === 'error')).toEqual([])

      // The report: every provider call site found, no trap among the findings, the .env keys flagged (names only).
      const found = report.found.map((s) => `${s.file} ${s.provider}`)
      for (const [file, provider] of fixture.sinks) expect(found).toContain(`${file} ${provider}`)
      for (const trap of fixture.untouched) {
        expect(report.found.filter((s) => s.file === trap)).toEqual([])
        expect(report.manual.filter((m) => m.file === trap)).toEqual([])
      }
      const leaked = report.leakedEnvKeys.map((l) => l.variable)
      for (const name of fixture.providerKeys) expect(leaked).toContain(name)
      for (const name of fixture.bundleControls) expect(leaked).not.toContain(name)
      const modified = report.files.filter((f) => f.status === 'modified').map((f) => f.path)
      // The codemod adds the @byok/client dependency and one small instance module (never a copy of the client).
      const instances = modified.filter((path) => /(^|\/)byok-instance\.[cm]?[jt]s$/.test(path))
      expect(instances).toHaveLength(1)
      expect(modified.sort()).toEqual(
        [...Object.keys(fixture.modified), instances[0]!, '.env.example', 'package.json'].sort(),
      )

      // The files on disk: traps byte-identical, the dependency added, the relay URL variable documented.
      const original = (path: string) => readFileSync(fixturesDir(fixture.name, path), 'utf8')
      for (const trap of fixture.untouched) expect(readProjectFile(dir, trap), trap).toBe(original(trap))
      const manifest = JSON.parse(readProjectFile(dir, 'package.json') ?? '{}') as {
        dependencies?: Record<string, string>
      }
      expect(manifest.dependencies?.['@byok/client']).toMatch(/^\^\d+\.\d+\.\d+$/)
      expect(readProjectFile(dir, instances[0]!)).toContain(RELAY_URL_VARIABLE[fixture.framework])
      expect(readProjectFile(dir, '.env.example')).toMatch(
        new RegExp(`^${RELAY_URL_VARIABLE[fixture.framework]}=`, 'm'),
      )
      for (const [file, patterns] of Object.entries(fixture.expectAfter ?? {}))
        for (const pattern of patterns) expect(readProjectFile(dir, file), file).toMatch(pattern)
      for (const [file, patterns] of Object.entries(fixture.forbiddenAfter ?? {}))
        for (const pattern of patterns) expect(readProjectFile(dir, file), file).not.toMatch(pattern)
      for (const [file, snippets] of Object.entries(fixture.keptVerbatim ?? {})) {
        for (const snippet of snippets) {
          expect(original(file), `fixture ${file}`).toContain(snippet)
          expect(readProjectFile(dir, file), file).toContain(snippet)
        }
      }

      // No provider key value is left anywhere in the sources (only the .env files the user must clean up).
      const keys = envValues(dir, fixture.providerKeys)
      expect(secretHits(dir, keys, { skipDirs: NOT_SOURCES, skipFile: isEnvFile })).toEqual([])
      expect(first.stdout + first.stderr).not.toContain('FAKEFAKEFAKE')

      // Minimal diff: each original line the diff touches is one of the expected edit sites; inserted lines match
      // the file's quotes, semicolons and indentation. Everything else is, by the diff's definition, untouched.
      commitAll(dir, 'byok integrate')
      for (const [file, patterns] of Object.entries(fixture.modified)) {
        const change = fileChange(dir, 'HEAD~1', 'HEAD', file)
        expect(change.added.length + change.removed.length, `${file} changed`).toBeGreaterThan(0)
        const unexpected = change.removed.filter((l) => !patterns.some((p) => p.test(l.text)))
        expect(unexpected, `${file}: lines changed outside the edit sites`).toEqual([])
        if (!fixture.skipStyleCheck?.includes(file)) {
          const style = codeStyle(scriptCode(file, original(file)))
          expect(styleViolations(change.added, style), file).toEqual([])
        }
      }

      // Second run: nothing left to do, nothing written, no provider call found any more.
      const second = await integrate(dir, ['--yes'])
      expect(second.code, second.stderr).toBe(0)
      expect(second.report?.applied).toBe(false)
      expect(second.report?.files.filter((f) => f.status === 'modified')).toEqual([])
      expect(gitStatus(dir)).toBe('')

      // A dry run over the result finds no direct provider call and no manual work left.
      const check = await integrate(dir, ['--dry-run'])
      expect(check.code, check.stderr).toBe(0)
      expect(check.report?.found).toEqual([])
      expect(check.report?.manual).toEqual([])
      // …and so does `byok doctor <dir>` (keys still sitting in .env files are only warnings).
      const doctorAfter = await doctorProject(dir)
      expect(doctorAfter.code, doctorAfter.stdout + doctorAfter.stderr).toBe(0)
      expect(doctorAfter.project?.findings.filter((f) => f.severity === 'fail')).toEqual([])
      expect(gitStatus(dir)).toBe('')
      console.info(`codemod ${fixture.name}: ${((performance.now() - started) / 1000).toFixed(1)}s`)
    }))
})

describe.each(selected)('$name after byok integrate', (fixture) => {
  it('installs on its own, type-checks, builds, and its bundle holds the relay URL but no provider key', () =>
    withTempDir(async (dir) => {
      const first = await integrateFixture(fixture, dir)
      expect(first.code, first.stderr).toBe(0)
      const keys = envValues(dir, fixture.providerKeys)
      const controls = envValues(dir, fixture.bundleControls)
      const relayEnv = { [RELAY_URL_VARIABLE[fixture.framework]]: BUILD_RELAY_URL }
      // @byok/client from the tarball packed from templates/client, never a registry copy.
      await useLocalClientPackage(dir)
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
        cwd: dir,
      })
      const typecheck = fixture.typecheck ? await run('npm', ['run', 'typecheck'], { cwd: dir }) : undefined
      const build = await run('npm', ['run', 'build'], { cwd: dir, env: userEnv(relayEnv) })
      const out = join(dir, fixture.buildOutput)
      expect(existsSync(out), build.output).toBe(true)

      const skipDirs = new Set(['cache'])
      // The scan works: the traps' own env values are inlined as before, and so is the relay URL.
      for (const name of controls.keys())
        expect(
          secretHits(out, new Map([[name, controls.get(name)!]]), { skipDirs }).length,
          name,
        ).toBeGreaterThan(0)
      expect(secretHits(out, new Map([['relay URL', BUILD_RELAY_URL]]), { skipDirs }).length).toBeGreaterThan(
        0,
      )
      // …and no provider key made it in.
      expect(secretHits(out, keys, { skipDirs })).toEqual([])
      expect(build.output).not.toContain('FAKEFAKEFAKE')
      console.info(
        `fixture ${fixture.name}: install ${install.seconds.toFixed(1)}s, typecheck ${typecheck ? `${typecheck.seconds.toFixed(1)}s` : 'n/a'}, build ${build.seconds.toFixed(1)}s`,
      )
    }))
})
