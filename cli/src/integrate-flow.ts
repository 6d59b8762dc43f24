import { join } from 'node:path'
import type { IntegrateReport } from '@byok/mcp'
import { readGitStatus } from './codemod/report.js'
import {
  type AppPlan,
  applyIntegration,
  type FileStatus,
  type IntegrationPlan,
  type PlanProgress,
  planIntegration,
} from './codemod/run.js'
import { TRANSFORMS } from './codemod/transforms/index.js'
import type { Transform } from './codemod/types.js'
import { CliError } from './errors.js'
import { setEnvValues } from './scaffold/project.js'

/**
 * The one integrate flow — plan → confirm → apply → report → next steps — behind `byok integrate`, `byok create`
 * in an existing app, and the MCP `integrate_project` tool. The surfaces differ only in how a person confirms and
 * how a remedy is spelled (a flag for people, a tool argument for agents).
 */
type IntegrateSurface = 'cli' | 'mcp'

/** The local dev relay (`byok dev`), which an app points at until it has a deployed one. */
export const LOCAL_RELAY_URL = 'http://127.0.0.1:3000'

/** How each surface spells the same remedy. */
const REMEDY: Readonly<Record<IntegrateSurface, { force: string; apply: string; rerun: string }>> = {
  cli: { force: 'pass --force', apply: 'byok integrate --yes', rerun: 'run byok integrate again' },
  mcp: {
    force: 'pass force: true',
    apply: 'integrate_project with apply: true',
    rerun: 'call integrate_project again',
  },
}

interface IntegrateFlowOptions {
  /** The project directory, absolute and already checked to be a directory. */
  readonly dir: string
  readonly templatesDir: string
  readonly surface: IntegrateSurface
  /** Write the plan (after `confirm`); false is a dry run. */
  readonly apply: boolean
  /** Apply even when the git tree has uncommitted changes. */
  readonly force: boolean
  /** Run only these transform ids (default all). */
  readonly only?: readonly string[] | undefined
  /** Copy the compiled client into each app instead of adding the `@byok/client` dependency. */
  readonly vendor?: boolean
  /** The relay the app should call, for the next steps (default the local dev relay). */
  readonly relayUrl?: string | undefined
  readonly transforms?: readonly Transform[]
  readonly onProgress?: (event: PlanProgress) => void
  /** `git status --porcelain` for a directory; undefined outside a repository. */
  readonly gitStatus?: (dir: string) => string | undefined
  /** Asked once there is something to write; false cancels (the CLI's TTY prompt). Absent: `apply` is the consent. */
  readonly confirm?: (plan: IntegrationPlan) => Promise<boolean>
  /** Told when `force` is what lets a dirty tree through. */
  readonly warn?: (line: string) => void
}

export interface IntegrateOutcome {
  readonly plan: IntegrationPlan
  readonly applied: boolean
  /** The person said no at the prompt. */
  readonly cancelled: boolean
  /** What to do next, in order, worded for the surface. */
  readonly next: readonly string[]
  /** `.env: VITE_BYOK_RELAY_URL` when applying pointed the app at the relay. */
  readonly envWritten?: string
}

/** Checks transform ids before anything is read. */
export function checkTransformIds(
  only: readonly string[] | undefined,
  surface: IntegrateSurface,
  transforms: readonly Transform[] = TRANSFORMS,
): void {
  const unknown = only?.filter((id) => !transforms.some((t) => t.id === id)) ?? []
  if (unknown.length === 0) return
  const ids = transforms.map((t) => t.id).join(', ')
  throw new CliError(`unknown transform: ${unknown.join(', ')}`, {
    code: 'transform_unknown',
    hint:
      surface === 'cli'
        ? `Known transforms: ${ids} (byok integrate --list)`
        : `Pass only ids from: ${ids} (or leave only out to run all).`,
  })
}

/**
 * Plans the integration of `dir`, and with `apply` writes it: refused on a dirty git tree without `force`, asked
 * through `confirm` when given, stale files refused at write time. Returns the plan, what happened, and the next
 * steps.
 *
 * @example
 * const { plan, applied, next } = await runIntegrateFlow({ dir, templatesDir, surface: 'mcp', apply: true, force: false })
 */
export async function runIntegrateFlow(options: IntegrateFlowOptions): Promise<IntegrateOutcome> {
  const { dir, surface } = options
  const transforms = options.transforms ?? TRANSFORMS
  checkTransformIds(options.only, surface, transforms)
  const plan = planIntegration(dir, {
    only: options.only,
    templatesDir: options.templatesDir,
    transforms,
    vendor: options.vendor ?? false,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  let applied = false
  let cancelled = false
  if (options.apply && plan.writes.length > 0) {
    const status = (options.gitStatus ?? readGitStatus)(dir)
    if (status?.trim() && !options.force) {
      throw new CliError(`the git tree at ${dir} has uncommitted changes, nothing was written`, {
        code: 'git_dirty',
        hint:
          surface === 'cli'
            ? 'Commit or stash them first so the codemod diff stays reviewable, or pass --force.'
            : 'Ask the user to commit or stash them first so the codemod’s diff stays reviewable, then call ' +
              `integrate_project again with apply: true; or ${REMEDY.mcp.force} to apply anyway.`,
      })
    }
    if (status?.trim()) options.warn?.('uncommitted changes; continuing because of --force')
    cancelled = options.confirm ? !(await options.confirm(plan)) : false
    if (!cancelled) {
      writePlan(plan, surface)
      applied = true
    }
  }
  const relayUrl = options.relayUrl ?? LOCAL_RELAY_URL
  const envWritten = applied ? pointAtRelay(plan, relayUrl) : undefined
  return {
    plan,
    applied,
    cancelled,
    next: integrationNextSteps(plan, { applied, surface, relayUrl, envWritten: envWritten !== undefined }),
    ...(envWritten ? { envWritten } : {}),
  }
}

/**
 * After applying, each app that now uses the client gets the relay the developer runs (the one this flow was
 * given) in its own `.env` (a monorepo's app package, not the repository root), so it works without a manual step.
 * An app without a bundler reads a page global instead: its next step says where the URL goes.
 */
function pointAtRelay(plan: IntegrationPlan, relayUrl: string): string | undefined {
  const written: string[] = []
  for (const app of appsUsingClient(plan)) {
    if (!app.relayUrlIsEnv) continue
    setEnvValues(join(plan.projectDir, app.dir, '.env'), { [app.relayUrlVariable]: relayUrl })
    written.push(`${app.dir ? `${app.dir}/` : ''}.env: ${app.relayUrlVariable}`)
  }
  return written.length > 0 ? written.join(', ') : undefined
}

/** The app packages the plan points at the client (an instance module written or already there). */
function appsUsingClient(plan: IntegrationPlan): readonly AppPlan[] {
  return plan.apps.filter((app) => app.instance !== undefined)
}

function writePlan(plan: IntegrationPlan, surface: IntegrateSurface): void {
  try {
    applyIntegration(plan)
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), {
      code: 'plan_stale',
      hint: `Nothing was written. ${capitalize(REMEDY[surface].rerun)} to plan against the current files.`,
      cause: error,
    })
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

export function countStatuses(plan: IntegrationPlan): Record<FileStatus, number> {
  const counts: Record<FileStatus, number> = { modified: 0, unchanged: 0, manual: 0, skipped: 0, error: 0 }
  for (const file of plan.files) counts[file.status]++
  return counts
}

/** The relay URL variable the plan's main app reads (`VITE_BYOK_RELAY_URL`, …, or the page global `BYOK_RELAY_URL`). */
export function relayUrlVariable(plan: IntegrationPlan): string {
  return (appsUsingClient(plan)[0] ?? plan.apps[0])?.relayUrlVariable ?? 'BYOK_RELAY_URL'
}

/** The next steps after planning or applying, in order: one list for every surface. */
function integrationNextSteps(
  plan: IntegrationPlan,
  options: { applied: boolean; surface: IntegrateSurface; relayUrl: string; envWritten?: boolean },
): string[] {
  const count = countStatuses(plan)
  const remedy = REMEDY[options.surface]
  const steps: string[] = []
  if (count.modified > 0 && !options.applied)
    steps.push(`Review the edits, then apply them (${remedy.apply}).`)
  const installs = plan.apps
    .filter((a) => a.dependency !== undefined)
    .map((a) => (a.dir ? a.dir : 'the project root'))
  if (count.modified > 0 && installs.length > 0) {
    steps.push(`Install the added @byok/client dependency (npm install) in ${installs.join(', ')}.`)
  }
  const local = options.relayUrl === LOCAL_RELAY_URL ? ' (npx byok dev runs that relay)' : ''
  if (options.envWritten) {
    steps.push(
      `The app's .env now sets ${relayUrlVariable(plan)}=${options.relayUrl}: keep that relay running.`,
    )
  } else if (count.modified > 0) {
    for (const app of appsUsingClient(plan).filter((a) => a.relayUrlIsEnv)) {
      const where = app.dir ? ` in ${app.dir}/.env` : " in the app's .env"
      steps.push(`Applying sets ${app.relayUrlVariable}=${options.relayUrl}${where}${local}.`)
    }
  }
  for (const app of appsUsingClient(plan).filter((a) => !a.relayUrlIsEnv)) {
    if (count.modified === 0) break
    steps.push(
      `Point ${app.instance} at the relay: set window.BYOK_RELAY_URL = '${options.relayUrl}' before it loads, or edit its fallback.${local}`,
    )
  }
  if (plan.manual.length > 0) {
    steps.push(`Work through the ${plan.manual.length} manual item(s) by hand, then ${remedy.rerun}.`)
  }
  if (count.error > 0) steps.push(`Fix or report the files that errored, then ${remedy.rerun}.`)
  if (count.modified > 0 || plan.leakedEnvKeys.length > 0) {
    steps.push('Remove provider keys from .env* files and rotate any that were ever shipped.')
  }
  if (options.applied) steps.push('Review with git diff, then commit; byok doctor checks the result.')
  return steps
}

/** The generic step about provider keys in env files (integrationNextSteps). */
const ROTATE_STEP = /^Remove provider keys from \.env\* files/

/**
 * The added and edited files of a plan: an edited source file with its hunks, an added file by name only, and a
 * config file the codemod only adds to (the `@byok/client` dependency in package.json, the relay URL in
 * .env.example) as one line: those hunks are mostly context, and cost an agent's context on every call.
 */
function splitFiles(plan: IntegrationPlan) {
  const added = new Set(plan.writes.filter((w) => w.before === null).map((w) => w.path))
  const manifests = new Map<string, string>()
  for (const app of plan.apps) {
    if (app.dependency === undefined) continue
    const at = app.dependency.lastIndexOf('@')
    const summary = `adds "${app.dependency.slice(0, at)}": "${app.dependency.slice(at + 1)}" to dependencies`
    manifests.set(app.dir ? `${app.dir}/package.json` : 'package.json', summary)
  }
  const modified = plan.files.filter((f) => f.status === 'modified' && !added.has(f.path))
  const summaries = new Map<string, string>()
  for (const file of modified) {
    const manifest = manifests.get(file.path)
    if (manifest !== undefined) summaries.set(file.path, manifest)
    else if (/(^|\/)\.env\.example$/.test(file.path)) {
      const lines = file.diff.split('\n').slice(2)
      const adds = lines.filter((l) => l.startsWith('+') && !l.startsWith('+#')).map((l) => l.slice(1))
      // Only a pure addition is summarised: a removed line is worth its hunk.
      if (!lines.some((l) => l.startsWith('-')) && adds.length > 0)
        summaries.set(file.path, `adds ${adds.join(', ')}`)
    }
  }
  return {
    added: plan.files.filter((f) => f.status === 'modified' && added.has(f.path)).map((f) => f.path),
    manifests: [...summaries].map(([path, summary]) => `${path}: ${summary}`),
    edited: modified
      .filter((f) => !summaries.has(f.path))
      // The ---/+++ header only repeats the path.
      .map((f) => ({ path: f.path, hunks: f.diff.split('\n').slice(2).join('\n').trimEnd() })),
  }
}

/**
 * What an agent needs from an integration, once: the outcome, edited files with their hunks, added files by name,
 * edited manifests as one line each (`detail` adds every file's full diff), what was found, manual items, leaked env keys and the next steps.
 */
export function toAgentReport(
  outcome: IntegrateOutcome,
  options: { apply: boolean; detail: boolean },
): IntegrateReport {
  const { plan, applied } = outcome
  const count = countStatuses(plan)
  const { added, manifests, edited } = splitFiles(plan)
  const result: 'applied' | 'dry_run' | 'not_applied' | 'cancelled' | 'nothing_to_change' = applied
    ? 'applied'
    : count.modified === 0
      ? 'nothing_to_change'
      : outcome.cancelled
        ? 'cancelled'
        : options.apply
          ? 'not_applied'
          : 'dry_run'
  return {
    result,
    applied,
    project_dir: plan.projectDir,
    framework: plan.framework,
    // Zero counts say nothing an agent acts on (the summary states manual items and errors either way).
    counts: Object.fromEntries(Object.entries(count).filter(([, n]) => n > 0)),
    edited,
    added,
    manifests,
    found: plan.found.map((f) => ({
      at: `${f.file}:${f.line}`,
      provider: f.provider,
      kind: f.kind,
      key_from: f.keySources.join(', ') || 'nowhere visible',
    })),
    manual: plan.manual.map((m) => ({
      at: `${m.file}:${m.line}`,
      reason: m.reason,
      suggestion: m.suggestion,
    })),
    // Server-side use is fine and usually absent: named only when there is some.
    ...(plan.serverSide.length > 0
      ? { server_side: plan.serverSide.map((u) => `${u.file}:${u.line} ${u.provider} (${u.reason})`) }
      : {}),
    errors: plan.files
      .filter((f) => f.status === 'error')
      .map((f) => ({ path: f.path, error: f.error ?? '' })),
    leaked_env_keys: plan.leakedEnvKeys.map((l) => `${l.file}: ${l.variable}`),
    // With leaked keys listed, the generic "remove and rotate" step only repeats them.
    next: outcome.next.filter((step) => plan.leakedEnvKeys.length === 0 || !ROTATE_STEP.test(step)),
    ...(options.detail
      ? {
          diffs: plan.files
            .filter((f) => f.status === 'modified')
            .map((f) => ({ path: f.path, diff: f.diff })),
        }
      : {}),
  }
}

/** One line naming what a project holds: its framework and the provider calls found (for `byok create` in an app). */
export function describeFindings(plan: IntegrationPlan): string {
  const calls = plan.found.map((f) => `${f.provider} ${f.kind} at ${f.file}:${f.line}`)
  return `a ${plan.framework} app with ${calls.length === 0 ? 'no direct provider calls found' : `${calls.length} provider call(s): ${calls.join(', ')}`}`
}
