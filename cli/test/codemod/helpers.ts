import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Project, ScriptKind } from 'ts-morph'
import type { Diagnostic, Transform } from '../../src/codemod/types.js'

/** cli/test/codemod/<...> */
export function fixturesDir(...parts: string[]): string {
  return join(fileURLToPath(new URL('.', import.meta.url)), ...parts)
}

/** Runs one transform on `text` as `path` and returns the whole resulting file. */
export function runTransform(
  transform: Transform,
  text: string,
  path = 'src/input.ts',
): { text: string; changes: number; diagnostics: readonly Diagnostic[] } {
  const project = new Project({
    useInMemoryFileSystem: true,
    skipAddingFilesFromTsConfig: true,
    compilerOptions: { noLib: true },
  })
  const file = project.createSourceFile(`/p/${path}`, text, {
    overwrite: true,
    scriptKind: path.endsWith('.tsx') ? ScriptKind.TSX : path.endsWith('.ts') ? ScriptKind.TS : ScriptKind.JS,
  })
  const quote = text.includes('"') && !text.includes("'") ? '"' : "'"
  const result = transform.apply(file, { file: path, byok: 'byok', quote })
  return { text: file.getFullText(), changes: result.changes, diagnostics: result.diagnostics }
}

export interface FixtureCase {
  readonly name: string
  readonly input: string
  /** Equal to `input` for must-not-touch and idempotent cases. */
  readonly output: string
}

/** Every `<case>/{input,output}.ts` pair under transforms/fixtures/<id>/ (output missing → must not touch). */
export function loadCases(id: string): FixtureCase[] {
  const dir = fixturesDir('transforms', 'fixtures', id)
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const input = readFileSync(join(dir, name, 'input.ts'), 'utf8')
      const outputPath = join(dir, name, 'output.ts')
      return { name, input, output: existsSync(outputPath) ? readFileSync(outputPath, 'utf8') : input }
    })
}

/** The three properties every transform's fixtures must hold: exact output, no stray changes, idempotence. */
export function checkFixtureCase(transform: Transform, fixture: FixtureCase): void {
  const first = runTransform(transform, fixture.input)
  expectEqual(first.text, fixture.output, `${fixture.name}: whole-file output`)
  if (fixture.input === fixture.output) expectEqual(first.changes, 0, `${fixture.name}: changes`)
  else if (first.changes === 0) throw new Error(`${fixture.name}: expected a rewrite`)
  const second = runTransform(transform, first.text)
  expectEqual(second.changes, 0, `${fixture.name}: second run changes`)
  expectEqual(second.text, first.text, `${fixture.name}: second run output`)
}

function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (actual !== expected) {
    throw new Error(`${what} differs\n--- expected\n${String(expected)}\n--- actual\n${String(actual)}`)
  }
}

/** The version the stub client package of `stubTemplatesDir` carries. */
export const STUB_CLIENT_VERSION = '9.8.7'

/**
 * A templates directory with a stub `@byok/client` (package.json + the three dist/vendor builds), so plans that add
 * the dependency or vendor the client are tested without building the real package. Each vendored file holds a
 * marker comment naming it.
 */
export function stubTemplatesDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'byok-templates-'))
  const vendor = join(dir, 'client', 'dist', 'vendor')
  mkdirSync(vendor, { recursive: true })
  writeFileSync(
    join(dir, 'client', 'package.json'),
    JSON.stringify({ name: '@byok/client', version: STUB_CLIENT_VERSION }),
  )
  for (const name of ['byok.js', 'byok.d.ts', 'byok.global.js']) {
    writeFileSync(join(vendor, name), `// stub ${name}\n`)
  }
  return dir
}
