import { readFileSync } from 'node:fs'
import { commitAll, withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { CORPUS, RELAY_URL_VARIABLE } from './corpus.js'
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

// Every fixture project in fixtures/ goes through `byok integrate` as a real process in a temp git repository:
// the provider calls are rewritten, the traps and the code style left alone, a second run changes nothing.
// Installing, type-checking, linting and building integrated apps (and scanning their bundles for keys) is the
// job of the 32-project corpus in real-world/, which does it before and after on current framework defaults.
// BYOK_TEST_CODEMOD_FIXTURES=vue-sfc-groq,cra-genai narrows the run to those fixtures.
const only = process.env.BYOK_TEST_CODEMOD_FIXTURES?.split(',')
  .map((s) => s.trim())
  .filter(Boolean)
const selected = CORPUS.filter((f) => !only || only.includes(f.name))

const NOT_SOURCES = new Set(['.git', 'node_modules'])
const isEnvFile = (path: string) => /(^|\/)\.env(\.|$)/.test(path) && !path.endsWith('.env.example')

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
