import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineCommand } from 'citty'
import { readGitStatus, toIntegrationReport } from '../codemod/report.js'
import type { IntegrationPlan } from '../codemod/run.js'
import { TRANSFORMS } from '../codemod/transforms/index.js'
import type { Transform } from '../codemod/types.js'
import { CliError } from '../errors.js'
import { checkTransformIds, LOCAL_RELAY_URL, runIntegrateFlow } from '../integrate-flow.js'
import type { CliIo } from '../io.js'
import { checkRelayUrl } from '../scaffold/project.js'
import { createTtyPrompter, type Prompter } from '../scaffold/prompt.js'
import { resolveTemplatesDir } from '../scaffold/registry.js'
import { createProgressPrinter, printSummary } from './integrate-summary.js'

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

/** The flags `byok integrate` and `byok create` (in an existing app) share. */
interface IntegrateRunArgs {
  readonly dir: string
  readonly dryRun: boolean
  readonly json: boolean
  readonly yes: boolean
  readonly force: boolean
  readonly only?: readonly string[] | undefined
  readonly failOnManual: boolean
  readonly verbose: boolean
  /** Copy the compiled client into each app instead of adding the `@byok/client` dependency. */
  readonly vendor?: boolean
  /** The relay the app calls, written to its .env when applying (default the local dev relay). */
  readonly relayUrl?: string | undefined
  /** How the apply hint names the command (`byok integrate .`). */
  readonly command: string
}

export function createIntegrateCommand(io: CliIo, deps: Partial<IntegrateDeps> = {}) {
  const transforms = deps.transforms ?? TRANSFORMS
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
      'relay-url': {
        type: 'string',
        description: `Relay the app calls, set in its .env when applying (default ${LOCAL_RELAY_URL}, \`byok dev\`)`,
        valueHint: 'url',
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
      return runIntegrateCommand(
        io,
        {
          dir: args.dir ?? '.',
          dryRun: Boolean(args['dry-run']),
          json: Boolean(args.json),
          yes: Boolean(args.yes),
          force: Boolean(args.force),
          only,
          failOnManual: Boolean(args['fail-on-manual']),
          verbose: Boolean(args.verbose),
          vendor: Boolean(args.vendor),
          command: `byok integrate ${args.dir ?? '.'}`,
          relayUrl: args['relay-url'] === undefined ? undefined : checkRelayUrl(args['relay-url']),
        },
        deps,
      )
    },
  })
}

/**
 * `byok integrate` on the terminal: the shared flow with a TTY prompt (unless --yes), the diff for --dry-run, the
 * report on stderr or as --json on stdout, and the exit code of the outcome.
 */
export async function runIntegrateCommand(
  io: CliIo,
  args: IntegrateRunArgs,
  deps: Partial<IntegrateDeps> = {},
): Promise<IntegrationPlan> {
  const { prompter = () => createTtyPrompter(), gitStatus = readGitStatus, transforms = TRANSFORMS } = deps
  checkTransformIds(args.only, 'cli', transforms)
  const dir = resolve(io.cwd, args.dir)
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CliError(`${dir} is not a directory`, { code: 'project_missing' })
  }
  const outcome = await runIntegrateFlow({
    dir,
    templatesDir: resolveTemplatesDir(io.env, io.cwd),
    surface: 'cli',
    apply: !args.dryRun,
    force: args.force,
    only: args.only,
    vendor: args.vendor ?? false,
    relayUrl: args.relayUrl,
    transforms,
    gitStatus,
    onProgress: createProgressPrinter(io, args.verbose),
    warn: (line) => io.err(`byok integrate: warning: ${line}`),
    ...(args.yes ? {} : { confirm: (plan) => confirmApply(io, plan, prompter, args.command) }),
  })
  const { plan, applied } = outcome
  if (args.dryRun && !args.json) {
    for (const file of plan.files) if (file.diff) io.out(file.diff.trimEnd())
  }
  if (args.json) io.out(JSON.stringify(toIntegrationReport(plan, applied), null, 2))
  else printSummary(io, outcome, applied ? 'applied' : args.dryRun ? 'dry-run' : 'planned')
  throwForOutcome(plan, args.failOnManual)
  return plan
}

/** In a TTY: the summary, then "Apply? [y/N]". Without one: planned only, and how to apply. */
async function confirmApply(
  io: CliIo,
  plan: IntegrationPlan,
  prompter: () => Prompter,
  command: string,
): Promise<boolean> {
  const ask = prompter()
  try {
    if (!ask.interactive) {
      io.err(`byok integrate: planned only (no TTY). To apply: ${command} --yes`)
      return false
    }
    printSummary(io, { plan, applied: false, cancelled: false, next: [] }, 'planned')
    const answer = await ask.text(`Apply changes to ${plan.writes.length} file(s)? [y/N]`, 'n')
    const yes = /^y(es)?$/i.test(answer.trim())
    if (!yes) io.err('byok integrate: cancelled, nothing written')
    return yes
  } finally {
    ask.close()
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
