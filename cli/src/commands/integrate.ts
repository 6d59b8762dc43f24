import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineCommand } from 'citty'
import { RELAY_URL_ENV } from '../codemod/project.js'
import { readGitStatus, toIntegrationReport } from '../codemod/report.js'
import { applyIntegration, type IntegrationPlan, planIntegration } from '../codemod/run.js'
import { TRANSFORMS } from '../codemod/transforms/index.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { createTtyPrompter, type Prompter } from '../scaffold/prompt.js'
import { resolveTemplatesDir } from '../scaffold/registry.js'

export interface IntegrateDeps {
  /** Asks before applying; only used with a TTY and without --yes. */
  readonly prompter: () => Prompter
  /** `git status --porcelain` for `dir` (empty = clean); undefined when `dir` is not in a git repository. */
  readonly gitStatus: (dir: string) => string | undefined
}

const EXIT_CODES =
  'Exit codes: 0 done (also when items need manual work: see the report), 1 error or refused.'

function printSummary(io: CliIo, plan: IntegrationPlan, mode: 'dry-run' | 'planned' | 'applied'): void {
  const count = (status: string) => plan.files.filter((f) => f.status === status).length
  const verb = { 'dry-run': 'would modify', planned: 'would modify', applied: 'modified' }[mode]
  io.err(
    `byok integrate: ${verb} ${count('modified')} file(s); ${count('manual')} need manual work; ` +
      `${count('unchanged')} unchanged; ${count('error')} error(s)${mode === 'dry-run' ? ' (dry run: nothing written)' : ''}`,
  )
  for (const sink of plan.found) {
    io.err(
      `  found ${sink.file}:${sink.line} ${sink.provider} ${sink.kind} (key from ${sink.keySources.join(', ') || 'nowhere visible'})`,
    )
  }
  for (const file of plan.files.filter((f) => f.status === 'error'))
    io.err(`  error ${file.path}: ${file.error}`)
  if (plan.manual.length > 0) {
    io.err('Needs manual work:')
    for (const item of plan.manual)
      io.err(`  ${item.file}:${item.line} — ${item.reason} — ${item.suggestion}`)
  }
  if (plan.leakedEnvKeys.length > 0) {
    io.err('Provider keys in env files (rotate them at the provider, then delete them):')
    for (const leak of plan.leakedEnvKeys) io.err(`  ${leak.file}: ${leak.variable}`)
  }
  if (count('modified') > 0) {
    io.err('Next steps:')
    io.err(`  1. Set ${RELAY_URL_ENV[plan.framework].variable} to your relay (try: npx byok dev).`)
    io.err('  2. Remove provider keys from .env* files and rotate any that were ever shipped.')
    io.err('  3. Review with git diff, then commit.')
  }
}

export function createIntegrateCommand(io: CliIo, deps: Partial<IntegrateDeps> = {}) {
  const { prompter = () => createTtyPrompter(), gitStatus = readGitStatus } = deps
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
    },
    run({ args }) {
      if (args.list) {
        if (args.json) io.out(JSON.stringify(TRANSFORMS.map(({ id, title }) => ({ id, title }))))
        else for (const t of TRANSFORMS) io.out(`${t.id.padEnd(20)} ${t.title}`)
        return
      }
      const only = args.only
        ? args.only
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined
      const unknown = only?.filter((id) => !TRANSFORMS.some((t) => t.id === id)) ?? []
      if (unknown.length > 0) {
        throw new CliError(`unknown transform: ${unknown.join(', ')}`, {
          code: 'transform_unknown',
          hint: `Known transforms: ${TRANSFORMS.map((t) => t.id).join(', ')} (byok integrate --list)`,
        })
      }
      const dir = resolve(io.cwd, args.dir ?? '.')
      if (!existsSync(dir) || !statSync(dir).isDirectory()) {
        throw new CliError(`${dir} is not a directory`, { code: 'project_missing' })
      }
      const plan = planIntegration(dir, { only, templatesDir: resolveTemplatesDir(io.env, io.cwd) })
      const dryRun = Boolean(args['dry-run'])
      if (dryRun && !args.json) {
        for (const file of plan.files) if (file.diff) io.out(file.diff.trimEnd())
      }
      let apply = !dryRun && plan.writes.length > 0
      let mode: 'dry-run' | 'planned' | 'applied' = dryRun ? 'dry-run' : 'planned'
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
          applyIntegration(plan)
          mode = 'applied'
        }
        if (args.json) io.out(JSON.stringify(toIntegrationReport(plan, mode === 'applied'), null, 2))
        else printSummary(io, plan, mode)
        const errors = plan.files.filter((f) => f.status === 'error')
        if (errors.length > 0) {
          throw new CliError(`${errors.length} file(s) could not be processed`, {
            code: 'integrate_file_errors',
            hint: errors.map((f) => `${f.path}: ${f.error}`).join('; '),
          })
        }
      })()
    },
  })
}
