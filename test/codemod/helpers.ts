import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commitAll, git, runByok } from '@byok/test-kit'

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url))

/** `test/codemod/fixtures/<parts…>`: the fixture projects, one folder per scenario. */
export function fixturesDir(...parts: string[]): string {
  return join(FIXTURES, ...parts)
}

/** Fixture names on disk (every folder under fixtures/). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
}

/** Copies a fixture to `dir` and makes it a git repository with everything committed (as a user's app would be). */
export function checkoutFixture(name: string, dir: string): void {
  cpSync(fixturesDir(name), dir, { recursive: true })
  commitAll(dir)
}

/** `git status --porcelain`: empty when the tree matches the last commit. */
export function gitStatus(dir: string): string {
  return git(dir, ['status', '--porcelain', '--untracked-files=all'])
}

export interface IntegrateReport {
  applied: boolean
  framework: string
  files: { path: string; status: string; transforms: string[]; error?: string }[]
  found: { file: string; line: number; kind: string; provider: string; keySources: string[] }[]
  manual: { file: string; line: number; reason: string; suggestion: string }[]
  leakedEnvKeys: { file: string; variable: string }[]
}

/** `byok integrate . <args> --json` as a process in `dir`; the report is parsed from stdout. */
export async function integrate(dir: string, args: string[]) {
  const result = await runByok(['integrate', '.', ...args, '--json'], { cwd: dir })
  let report: IntegrateReport | undefined
  try {
    report = JSON.parse(result.stdout) as IntegrateReport
  } catch {
    report = undefined
  }
  return { ...result, report }
}

export interface ProjectCheck {
  status: 'pass' | 'warn' | 'fail' | 'skip'
  detail: string
  findings: { file: string; line: number; severity: 'fail' | 'warn'; message: string }[]
}

/** `byok doctor . --no-relay --json` as a process: the project check alone (exit 1 when it fails). */
export async function doctorProject(dir: string) {
  const result = await runByok(['doctor', '.', '--no-relay', '--json'], { cwd: dir })
  let project: ProjectCheck | undefined
  try {
    const report = JSON.parse(result.stdout) as { checks: ({ id: string } & ProjectCheck)[] }
    project = report.checks.find((c) => c.id === 'project')
  } catch {
    project = undefined
  }
  return { ...result, project }
}

/** `NAME=value` pairs of the project's `.env*` files (values stay in memory; never print them). */
export function readEnvFiles(dir: string): Map<string, string> {
  const values = new Map<string, string>()
  for (const name of readdirSync(dir).filter((n) => n === '.env' || n.startsWith('.env.'))) {
    for (const line of readFileSync(join(dir, name), 'utf8').split(/\r?\n/)) {
      const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line)
      if (match?.[2]) values.set(match[1]!, match[2].replace(/^(['"])(.*)\1$/, '$2'))
    }
  }
  return values
}

/** The values of `names` in the project's `.env*` files; throws when one is missing (a broken fixture). */
export function envValues(dir: string, names: readonly string[]): Map<string, string> {
  const all = readEnvFiles(dir)
  return new Map(
    names.map((name) => {
      const value = all.get(name)
      if (!value) throw new Error(`fixture has no value for ${name} in its .env files`)
      return [name, value]
    }),
  )
}

/** Every file under `dir` (relative, forward slashes), skipping the given directory names. */
export function listFiles(dir: string, skipDirs: ReadonlySet<string>): string[] {
  const out: string[] = []
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name)
      if (entry.isDirectory()) {
        if (!skipDirs.has(entry.name)) walk(full)
      } else if (entry.isFile()) out.push(relative(dir, full).split(sep).join('/'))
    }
  }
  walk(dir)
  return out.sort()
}

/**
 * Which of `secrets` (name → value) occur in which files under `dir`: `NAME in path` strings only, so a
 * failing assertion names the variable and the file without ever printing the value.
 */
export function secretHits(
  dir: string,
  secrets: ReadonlyMap<string, string>,
  options: { skipDirs: ReadonlySet<string>; skipFile?: (path: string) => boolean },
): string[] {
  const hits: string[] = []
  for (const path of listFiles(dir, options.skipDirs)) {
    if (options.skipFile?.(path)) continue
    const full = join(dir, path)
    if (statSync(full).size > 50_000_000) continue
    const text = readFileSync(full, 'latin1')
    for (const [name, value] of secrets) if (text.includes(value)) hits.push(`${name} in ${path}`)
  }
  return hits
}

/** One file's changes between two commits: original lines that were replaced or removed, and added lines. */
export interface FileChange {
  readonly removed: { line: number; text: string }[]
  readonly added: string[]
}

/**
 * Parses `git diff -U0 <from> <to> -- <file>`. Every original line not listed in `removed` is, by the diff's
 * definition, present byte for byte in the new file; the tests then check that each removed line is one the
 * codemod was expected to edit, so formatting or comment churn anywhere else fails.
 */
export function fileChange(dir: string, from: string, to: string, file: string): FileChange {
  const diff = git(dir, ['diff', '-U0', '--no-color', '--no-ext-diff', '--no-renames', from, to, '--', file])
  const removed: { line: number; text: string }[] = []
  const added: string[] = []
  let oldLine = 0
  for (const line of diff.split('\n')) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@/.exec(line)
    if (hunk) {
      oldLine = Number(hunk[1])
      continue
    }
    if (line.startsWith('---') || line.startsWith('+++')) continue
    if (line.startsWith('-')) removed.push({ line: oldLine++, text: line.slice(1) })
    else if (line.startsWith('+')) added.push(line.slice(1))
  }
  return { removed, added }
}

/** A file's code style, as far as inserted code has to match it. */
export interface CodeStyle {
  readonly quote: "'" | '"'
  readonly semicolons: boolean
  readonly indent: 'tab' | 'space'
}

/** The code of a file: the `<script>` blocks' contents for .vue/.svelte/.html containers, else the whole text. */
export function scriptCode(path: string, text: string): string {
  if (!/\.(vue|svelte|html?)$/.test(path)) return text
  return [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n')
}

/** Infers quote, semicolon and indentation style from a source text (or a script block). */
export function codeStyle(text: string): CodeStyle {
  const code = text
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\*|\/\*)/.test(l))
    .join('\n')
    .replace(/`[^`]*`/g, '``')
  const singles = code.match(/'[^'\n]*'/g)?.length ?? 0
  const doubles = code.match(/"[^"\n]*"/g)?.length ?? 0
  // Single-line imports say it best; else any statement-ending semicolon outside a `for (;;)` header.
  const imports = text.split('\n').filter((l) => /^\s*import\s.*\sfrom\s/.test(l))
  const semicolons =
    imports.length > 0
      ? imports.filter((l) => l.trimEnd().endsWith(';')).length * 2 > imports.length
      : text.split('\n').some((l) => l.trimEnd().endsWith(';') && !/\bfor\s*\(/.test(l))
  const tabs = text.split('\n').filter((l) => l.startsWith('\t')).length
  const spaces = text.split('\n').filter((l) => /^ {2}\S/.test(l)).length
  return {
    quote: doubles > singles ? '"' : "'",
    semicolons,
    indent: tabs > spaces ? 'tab' : 'space',
  }
}

/** Style violations of inserted lines against the file's own style (empty when they blend in). */
export function styleViolations(added: readonly string[], style: CodeStyle): string[] {
  const problems: string[] = []
  const other = style.quote === "'" ? '"' : "'"
  for (const line of added) {
    if (style.indent === 'tab' && /^ +\S/.test(line) && !/^ +\*/.test(line))
      problems.push(`space-indented line in a tab-indented file: ${line}`)
    if (style.indent === 'space' && /^\t/.test(line))
      problems.push(`tab-indented line in a space file: ${line}`)
    const code = line.replace(/`[^`]*`/g, '``').replace(/\/\/.*$/, '')
    if (new RegExp(`${other}[^'"\\n]*${other}`).test(code))
      problems.push(`uses ${other} quotes where the file uses ${style.quote}: ${line}`)
    if (/^\s*import\s/.test(line) && line.trimEnd().endsWith(';') !== style.semicolons)
      problems.push(`import ${style.semicolons ? 'without' : 'with'} a semicolon: ${line}`)
  }
  return problems
}

/** Reads a file in the project, or undefined when it does not exist. */
export function readProjectFile(dir: string, path: string): string | undefined {
  const full = join(dir, path)
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined
}
