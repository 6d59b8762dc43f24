import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { type IntegrateReport, reportSchema } from '../integrate-report.js'
import { resolveProjectDir } from '../project-dir.js'
import { nextAfter } from '../steps.js'
import { runTool, ToolError, toolResult } from './result.js'

/**
 * Outcome first, then only what the agent acts on: manual items, leaked keys and the next step. The file lists and
 * hunks are in structuredContent only (the data once).
 */
function summarize(report: IntegrateReport): string {
  const { counts } = report
  const files = `edit ${report.edited.length + report.manifests.length} file(s) and add ${report.added.length}`
  const head: Record<IntegrateReport['result'], string> = {
    applied: `Applied: ${files.replace('edit', 'edited').replace('add ', 'added ')}`,
    dry_run: `Dry run (nothing written): would ${files}`,
    not_applied: 'Nothing written',
    cancelled: 'Cancelled, nothing written',
    nothing_to_change: 'Nothing to change',
  }
  const lines = [
    `${head[report.result]} (${report.framework} app); ${counts.manual ?? 0} manual item(s), ${counts.error ?? 0} error(s).`,
  ]
  for (const item of report.manual) lines.push(`Manual: ${item.at} — ${item.reason} — ${item.suggestion}`)
  for (const error of report.errors) lines.push(`Error: ${error.path}: ${error.error}`)
  if (report.leaked_env_keys.length > 0) {
    lines.push(
      `Provider keys in env files (${report.leaked_env_keys.join(', ')}): tell the user to rotate them at the provider and delete them.`,
    )
  }
  if (report.result === 'nothing_to_change' && report.found.length === 0 && report.manual.length === 0) {
    lines.push('No direct AI provider calls found; read the byok://guides resources for hand edits.')
  }
  if (report.result === 'dry_run') {
    const manifests = report.manifests.length > 0 ? ', the "manifests" lines' : ''
    lines.push(`Show the user the hunks in "edited"${manifests} and the manual items. ${nextAfter('plan')}`)
  } else {
    for (const step of report.next) lines.push(`- ${step}`)
    if (report.result === 'applied' || report.result === 'nothing_to_change') lines.push(nextAfter('apply'))
  }
  return lines.join('\n')
}

export const integrateProjectTool: RegisterTool = (server, ctx) => {
  const { integrate, root } = ctx
  if (!integrate || !root) return
  server.registerTool(
    'integrate_project',
    {
      title: 'Integrate byok into an app',
      description:
        'Move an existing app’s direct AI provider calls (SDKs, fetch to provider hosts) onto the byok relay: the ' +
        '`byok integrate` codemod. Dry run by default: lists the files it would edit (with hunks) and add, and ' +
        'writes nothing; call again with apply: true to write. Applying refuses a git tree with uncommitted ' +
        'changes unless force: true. path is relative to the MCP server’s working directory and may not leave it. ' +
        nextAfter('plan'),
      inputSchema: {
        path: z
          .string()
          .min(1)
          .max(4096)
          .describe(
            'The app’s directory, relative to the MCP server’s working directory ("." for that directory)',
          ),
        apply: z.boolean().default(false).describe('Write the changes (default false: dry run)'),
        force: z
          .boolean()
          .default(false)
          .describe('Apply even when the git tree has uncommitted changes (default false)'),
        detail: z
          .boolean()
          .default(false)
          .describe('Also return every file’s full diff, added files included (default false)'),
        only: z
          .array(z.string().min(1).max(64))
          .min(1)
          .optional()
          .describe('Run only these transform ids (default: all)'),
      },
      outputSchema: reportSchema,
      // Annotations are per tool, not per call: with apply it rewrites existing source files in place, so it is
      // destructive (clients should confirm), even though the default dry run writes nothing. A second apply
      // finds nothing left to rewrite, hence idempotent. It reads and writes only local files: closed world.
      annotations: {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (args) =>
      runTool(ctx, async () => {
        const dir = resolveProjectDir(root, args.path)
        let report: IntegrateReport
        try {
          report = await integrate({
            dir,
            only: args.only,
            apply: args.apply,
            force: args.force,
            detail: args.detail,
            relayUrl: ctx.relayUrl,
          })
        } catch (error) {
          // The CLI's errors carry a hint worded for agents (commit or stash first, the transform ids, …).
          const { message, hint } = error as { message?: string; hint?: string }
          const what = (message ?? String(error)).replace(/\.$/, '')
          throw new ToolError(`integrate_project failed: ${what}.${hint ? ` ${hint}` : ''}`)
        }
        return toolResult({ ...report }, summarize(report))
      }),
  )
}
