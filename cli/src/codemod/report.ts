import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { findKeyLiteralsInText, keyLiteralReason } from './key-literals.js'
import { parseEnvLines, readEnvValue } from './project.js'
import { type IntegrationPlan, planIntegration, type ServerSideUse } from './run.js'

/** What `byok integrate --json` prints and the MCP `integrate_project` tool returns: the plan without file contents. */
export function toIntegrationReport(plan: IntegrationPlan, applied: boolean) {
  const { writes: _writes, ...report } = plan
  return { ...report, applied }
}

/** `git status --porcelain` scoped to `dir` (empty = clean); undefined when `dir` is not in a git repository. */
export function readGitStatus(dir: string): string | undefined {
  try {
    return execFileSync('git', ['status', '--porcelain', '--', '.'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
    })
  } catch {
    return undefined // not a repository, or no git: nothing to protect
  }
}

/** One thing `byok doctor <dir>` found in a project: `fail` is provider use left in browser code, `warn` is hygiene. */
export interface ProjectFinding {
  readonly file: string
  readonly line: number
  readonly severity: 'fail' | 'warn'
  readonly message: string
}

export interface ProjectAudit {
  readonly framework: IntegrationPlan['framework']
  /** Source files and containers examined. */
  readonly scanned: number
  readonly findings: readonly ProjectFinding[]
  /** Provider use in server code: the key stays on the server, fine (listed, never a failure). */
  readonly serverSide: readonly ServerSideUse[]
  /** The relay URL the project's `.env*` files point at, when they set one. */
  readonly relayUrl?: string
}

/**
 * What is left of direct provider use in a project, from the codemod's own plan (every container, every transform),
 * recomputed from the code on every run: sinks still found and every manual item (kept key env reads, WebSockets,
 * extension host permissions, …) fail; provider-key-looking literals in browser code fail (shown by prefix only)
 * and warn in server code; provider keys in `.env*` files warn (they only leak when the code reads them); files
 * that errored warn. Server-side provider use is listed as fine.
 *
 * @example
 * const audit = auditProject('/path/to/app', resolveTemplatesDir(env, cwd))
 * const failed = audit.findings.some((f) => f.severity === 'fail')
 */
export function auditProject(dir: string, templatesDir: string): ProjectAudit {
  const plan = planIntegration(dir, { templatesDir })
  const findings: ProjectFinding[] = []
  for (const sink of plan.found) {
    const key = sink.keySources.join(', ') || 'no visible key'
    findings.push({
      file: sink.file,
      line: sink.line,
      severity: 'fail',
      message: `direct ${sink.provider} ${sink.kind === 'sdk' ? 'SDK client' : 'fetch'} from the browser (key: ${key})`,
    })
  }
  for (const item of plan.manual) {
    if (plan.found.some((f) => f.file === item.file && f.line === item.line)) continue
    findings.push({ file: item.file, line: item.line, severity: 'fail', message: item.reason })
  }
  // The plan's files also list what it would add (helper, `.env.example`): only existing sources are scanned.
  const added = new Set(plan.writes.filter((w) => w.before === null).map((w) => w.path))
  const sources = plan.files.filter(
    (f) => !added.has(f.path) && f.path !== '.env.example' && f.status !== 'error' && f.status !== 'skipped',
  )
  const listed = new Set(findings.map((f) => `${f.file}:${f.line}`))
  for (const file of sources) {
    // A literal the plan already lists as manual work (browser code) is not counted twice.
    const literals = findKeyLiterals(dir, file.path).filter((f) => !listed.has(`${f.file}:${f.line}`))
    // A key in server code is a committed secret, not one shipped to browsers.
    findings.push(...(file.server ? literals.map((f) => ({ ...f, severity: 'warn' as const })) : literals))
  }
  for (const file of plan.files.filter((f) => f.status === 'error')) {
    findings.push({
      file: file.path,
      line: 1,
      severity: 'warn',
      message: `could not be checked: ${file.error}`,
    })
  }
  for (const leak of plan.leakedEnvKeys) {
    findings.push({
      file: leak.file,
      line: lineOfVariable(join(dir, leak.file), leak.variable),
      severity: 'warn',
      message: `${leak.variable} holds a provider key: rotate it at the provider and delete it (users bring their own)`,
    })
  }
  const app = plan.apps.find((a) => a.relayUrlIsEnv)
  const relayUrl = app ? readEnvValue(join(dir, app.dir), app.relayUrlVariable) : undefined
  return {
    framework: plan.framework,
    scanned: sources.length,
    findings: findings.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line),
    serverSide: plan.serverSide,
    ...(relayUrl ? { relayUrl } : {}),
  }
}

/** Provider-key-looking literals in one file, by line; the message names the prefix only, never the value. */
function findKeyLiterals(dir: string, path: string): ProjectFinding[] {
  let text: string
  try {
    text = readFileSync(join(dir, path), 'utf8')
  } catch {
    return []
  }
  return findKeyLiteralsInText(text).map((literal) =>
    literal.kind === 'leak'
      ? {
          file: path,
          line: literal.line,
          severity: 'fail' as const,
          message: keyLiteralReason(literal.prefix),
        }
      : {
          file: path,
          line: literal.line,
          severity: 'warn' as const,
          message:
            'a Google API key literal (AIza…) in browser code: if it is a Gemini key, rotate it and remove it (browser keys for Maps or Firebase are public by design)',
        },
  )
}

function lineOfVariable(file: string, variable: string): number {
  try {
    return parseEnvLines(readFileSync(file, 'utf8')).find((e) => e.name === variable)?.line ?? 1
  } catch {
    return 1
  }
}
