import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineCommand } from 'citty'
import { readGitStatus, toIntegrationReport } from '../codemod/report.js'
import { applyIntegration, type IntegrationPlan, planIntegration } from '../codemod/run.js'
import { TRANSFORMS } from '../codemod/transforms/index.js'
import type { Transform } from '../codemod/types.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { createTtyPrompter, type Prompter } from '../scaffold/prompt.js'
import { resolveTemplatesDir } from '../scaffold/registry.js'
import { createProgressPrinter, printSummary, type SummaryMode } from './integrate-summary.js'

export interface IntegrateDeps {
  /** Asks before applying; only used with a TTY and without --yes. */
  readonly prompter: () => Prompter
  /** `git status --porcelain` for `dir` (empty = clean); undefined when `dir` is not in a git repository. */
  readonly gitStatus: (dir: string) => string | undefined
  /** The codemod steps (default `TRANSFORMS`). */
  readonly transforms: readonly Transform[]
}

/** The outcome codes, independent of --json/--verbose (unlike jscodeshift's --silent); shown in --help. */
const INTEGRATE_EXIT = { ok: 0, refused: 1, fileErrors: 2, manual: 3 } as const

const EXIT_CODES =
  'Exit codes: 0 done (also nothing to do, a declined prompt, or items needing manual work: read the report), ' +
  '1 error or refused (bad arguments, dirty git tree, no such directory), 2 done but some files errored, ' +
  '3 done with items needing manual work and --fail-on-manual given.'

export function createIntegrateCommand(io: CliIo, deps: Partial<IntegrateDeps> = {}) {
  const { prompter = () => createTtyPrompter(), gitStatus = readGitStatus, transforms = TRANSFORMS } = deps
  return defineCommand({
    meta: {
      name: 'integrate',
      description: `Move a frontend's direct AI provider calls onto a byok relay (ts-morph codemod). ${EXIT_CODES}`,
    },
    args: {
      dir: { type: 'positional', required: false, default: '.', description: 'Project directory' },
      'dry-run': { type: 'boolean', description: 'Print a unified diff and write nothing' },
      json: { type: 'boolean', description: 'Print the report as JSON (stdout)' },
      yes: { type: 'boolean', description: 'Apply without asking (needed without a TTY)' },
      force: { type: 'boolean', description: 'Apply even when the git tree has uncommitted changes' },
      list: { type: 'boolean', description: 'List the transform ids and exit' },
      only: { type: 'string', description: 'Run only these transforms (comma-separated ids, see --list)' },
      'fail-on-manual': {
        type: 'boolean',
        description: 'Exit 3 when anything needs manual work (for CI); file errors still exit 2',
      },
      verbose: { type: 'boolean', description: 'A progress line per file on stderr' },
      vendor: {
        type: 'boolean',
        description:
          'Copy the compiled client (one file + .d.ts) into each app instead of adding the @byok/client dependency',
      },
    },
    run({ args }) {
      if (args.list) {
        if (args.json) io.out(JSON.stringify(transforms.map(({ id, title }) => ({ id, title }))))
        else for (const t of transforms) io.out(`${t.id.padEnd(20)} ${t.title}`)
        return
      }
      const only = args.only
        ? args.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined
      const unknown = only?.filter((id) => !transforms.some((t) => t.id === id)) ?? []
      if (unknown.length > 0) {
        throw new CliError(`unknown transform: ${unknown.join(', ')}`, {
          code: 'transform_unknown',
          hint: `Known transforms: ${transforms.map((t) => t.id).join(', ')} (byok integrate --list)`,
        })
      }
      const dir = resolve(io.cwd, args.dir ?? '.')
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new CliError(`${dir} is not a directory`, { code: 'project_missing' })
      }
      const plan = planIntegration(dir, {
        only,
        templatesDir: resolveTemplatesDir(io.env, io.cwd),
        transforms,
        vendor: Boolean(args.vendor),
        onProgress: createProgressPrinter(io, Boolean(args.verbose)),
      })
      const dryRun = Boolean(args['dry-run'])
      if (dryRun && !args.json) {
        for (const file of plan.files) if (file.diff) io.out(file.diff.trimEnd())
      }
      let apply = !dryRun && plan.writes.length > 0
      let mode: SummaryMode = dryRun ? 'dry-run' : 'planned'
      if (apply) {
        const status = gitStatus(dir)
        if (status?.trim() && !args.force) {
          throw new CliError('the git tree has uncommitted changes', {
            code: 'git_dirty',
            hint: 'Commit or stash them first so the codemod diff stays reviewable, or pass --force.',
          })
        }
        if (status?.trim())
          io.err('byok integrate: warning: uncommitted changes; continuing because of --force')
      }
      return (async () => {
        if (apply && !args.yes) {
          const ask = prompter()
          try {
            if (ask.interactive) printSummary(io, plan, 'planned')
            if (!ask.interactive) {
              apply = false
              io.err(
                `byok integrate: planned only (no TTY). To apply: byok integrate ${args.dir ?? '.'} --yes`,
              )
            } else {
              const answer = await ask.text(`Apply changes to ${plan.writes.length} file(s)? [y/N]`, 'n')
              apply = /^y(es)?$/i.test(answer.trim())
              if (!apply) io.err('byok integrate: cancelled, nothing written')
            }
          } finally {
            ask.close()
          }
        }
        if (apply) {
          applyPlan(plan)
          mode = 'applied'
        }
        if (args.json) io.out(JSON.stringify(toIntegrationReport(plan, mode === 'applied'), null, 2))
        else printSummary(io, plan, mode)
        throwForOutcome(plan, Boolean(args['fail-on-manual']))
      })()
    },
  })
}

function applyPlan(plan: IntegrationPlan): void {
  try {
    applyIntegration(plan)
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), {
      code: 'plan_stale',
      hint: 'Nothing was written. Run byok integrate again to plan against the current files.',
      cause: error,
    })
  }
}

/** Work that finished still has an outcome: file errors (2), or manual items when the caller asked to fail on them (3). */
function throwForOutcome(plan: IntegrationPlan, failOnManual: boolean): void {
  const errors = plan.files.filter((f) => f.status === 'error')
  if (errors.length > 0) {
    throw new CliError(`${errors.length} file(s) could not be processed`, {
      code: 'integrate_file_errors',
      hint: errors.map((f) => `${f.path}: ${f.error}`).join('; '),
      exitCode: INTEGRATE_EXIT.fileErrors,
    })
  }
  if (failOnManual && plan.manual.length > 0) {
    throw new CliError(`${plan.manual.length} item(s) need manual work (--fail-on-manual)`, {
      code: 'integrate_manual_work',
      hint: 'See "Needs manual work" in the report (or `manual` in --json).',
      exitCode: INTEGRATE_EXIT.manual,
    })
  }
}
