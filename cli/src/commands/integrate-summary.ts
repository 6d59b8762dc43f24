import type { PlanProgress } from '../codemod/run.js'
import { countStatuses, type IntegrateOutcome } from '../integrate-flow.js'
import type { CliIo } from '../io.js'

type SummaryMode = 'dry-run' | 'planned' | 'applied'

/** A file that takes longer than this gets its own progress line even without --verbose. */
const SLOW_FILE_MS = 1_000

/** Progress on stderr (stdout stays clean for --json and --dry-run diffs): the scan size, then slow or all files. */
export function createProgressPrinter(io: CliIo, verbose: boolean): (event: PlanProgress) => void {
  return (event) => {
    if (event.type === 'start') {
      io.err(`byok integrate: scanning ${event.total} source file(s)…`)
      return
    }
    if (verbose || event.ms >= SLOW_FILE_MS) {
      const slow = event.ms >= SLOW_FILE_MS ? `, ${(event.ms / 1000).toFixed(1)}s` : ''
      io.err(`  [${event.index + 1}/${event.total}] ${event.path} (${event.status}${slow})`)
    }
  }
}

/** The human report on stderr: counts, sinks found, skipped/errored files, manual work, leaked keys, next steps. */
export function printSummary(io: CliIo, outcome: IntegrateOutcome, mode: SummaryMode): void {
  const { plan } = outcome
  const count = countStatuses(plan)
  const verb = mode === 'applied' ? 'modified' : 'would modify'
  io.err(
    `byok integrate: ${verb} ${count.modified} file(s); ${count.manual} need manual work; ` +
      `${count.unchanged} unchanged; ${count.skipped} skipped; ${count.error} error(s)` +
      `${mode === 'dry-run' ? ' (dry run: nothing written)' : ''}`,
  )
  for (const sink of plan.found) {
    io.err(
      `  found ${sink.file}:${sink.line} ${sink.provider} ${sink.kind} (key from ${sink.keySources.join(', ') || 'nowhere visible'})`,
    )
  }
  for (const use of plan.serverSide) {
    io.err(
      `  server-side ${use.file}:${use.line} ${use.provider} (${use.reason}): the key stays on your server, fine`,
    )
  }
  for (const file of plan.files) {
    if (file.status === 'skipped') io.err(`  skipped ${file.path}: ${file.reason ?? 'not examined'}`)
    if (file.status === 'error') io.err(`  error ${file.path}: ${file.error}`)
  }
  if (plan.manual.length > 0) {
    io.err('Needs manual work:')
    for (const item of plan.manual)
      io.err(`  ${item.file}:${item.line} — ${item.reason} — ${item.suggestion}`)
  }
  if (plan.leakedEnvKeys.length > 0) {
    io.err('Provider keys in env files (rotate them at the provider, then delete them):')
    for (const leak of plan.leakedEnvKeys) io.err(`  ${leak.file}: ${leak.variable}`)
  }
  if (outcome.next.length > 0) {
    io.err('Next steps:')
    for (const [index, step] of outcome.next.entries()) io.err(`  ${index + 1}. ${step}`)
  }
}
