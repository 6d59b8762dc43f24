import { z } from 'zod'
import type { IntegrateReport, RegisterTool } from '../context.js'
import { resolveProjectDir } from '../project-dir.js'
import { runTool, ToolError, toolResult } from './result.js'

// The report of `byok integrate --json`. Loose objects: a field the codemod adds later must not turn a good
// answer into a schema failure on the client.
const reportSchema = {
  projectDir: z.string(),
  framework: z.string(),
  files: z.array(
    z.looseObject({
      path: z.string(),
      status: z.string().describe('modified | unchanged | manual | error'),
      diff: z.string().describe('Unified diff (empty unless modified)'),
      transforms: z.array(z.string()),
      error: z.string().optional(),
    }),
  ),
  found: z.array(
    z.looseObject({
      file: z.string(),
      line: z.number(),
      kind: z.string(),
      provider: z.string(),
      keySources: z.array(z.string()),
    }),
  ),
  manual: z.array(
    z.looseObject({ file: z.string(), line: z.number(), reason: z.string(), suggestion: z.string() }),
  ),
  leakedEnvKeys: z.array(z.looseObject({ file: z.string(), variable: z.string() })),
  applied: z.boolean(),
}

function summarize(report: IntegrateReport, apply: boolean, next: readonly string[]): string {
  const count = (status: string) => report.files.filter((f) => f.status === status).length
  const changed = count('modified')
  const lines = [
    report.applied
      ? `Applied: modified ${changed} file(s) in ${report.projectDir}; ${count('manual')} need manual work; ${count('error')} error(s).`
      : `${apply ? 'Nothing written' : 'Dry run, nothing written'}: ${changed} file(s) would change in ${report.projectDir}; ` +
        `${count('manual')} need manual work; ${count('unchanged')} unchanged; ${count('error')} error(s).`,
  ]
  for (const sink of report.found) {
    lines.push(
      `Found ${sink.file}:${sink.line} ${sink.provider} ${sink.kind} (key from ${sink.keySources.join(', ') || 'nowhere visible'}).`,
    )
  }
  for (const file of report.files.filter((f) => f.status === 'error'))
    lines.push(`Error in ${file.path}: ${file.error}`)
  for (const item of report.manual)
    lines.push(`Manual: ${item.file}:${item.line} — ${item.reason} — ${item.suggestion}`)
  if (report.leakedEnvKeys.length > 0) {
    const where = report.leakedEnvKeys.map((l) => `${l.file}: ${l.variable}`).join(', ')
    lines.push(
      `Provider keys sit in env files (${where}): tell the user to rotate them at the provider and delete them.`,
    )
  }
  if (!report.applied && changed > 0)
    lines.push('Show the user the diffs; to write them, call integrate_project again with apply: true.')
  else if (changed === 0 && report.found.length === 0)
    lines.push('No direct AI provider calls were found that the codemod can rewrite; see the byok guides.')
  if (report.applied && next.length > 0) lines.push(`Next: ${next.join(' ')}`)
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
        'Move an existing app’s direct AI provider calls (OpenAI/Anthropic SDKs, fetch to provider hosts) onto the ' +
        'byok relay: the `byok integrate` codemod. Dry run by default: returns the report with a unified diff per ' +
        'file and writes nothing; call again with apply: true to write. Applying refuses a git tree with ' +
        'uncommitted changes unless force: true. path is relative to the MCP server’s working directory and may not leave it.',
      inputSchema: {
        path: z
          .string()
          .min(1)
          .max(4096)
          .describe(
            'The app’s directory, relative to the MCP server’s working directory ("." for that directory)',
          ),
        relay_url: z
          .string()
          .url()
          .optional()
          .describe(
            'Relay the app should call, for the next steps (default: the relay this server talks to)',
          ),
        apply: z.boolean().default(false).describe('Write the changes (default false: dry run)'),
        force: z
          .boolean()
          .default(false)
          .describe('Apply even when the git tree has uncommitted changes (default false)'),
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
        let result: Awaited<ReturnType<typeof integrate>>
        try {
          result = await integrate({
            dir,
            only: args.only,
            apply: args.apply,
            force: args.force,
            relayUrl: args.relay_url ?? ctx.relayUrl,
          })
        } catch (error) {
          // The CLI's errors carry a hint (commit or stash first, the transform ids, …).
          const { message, hint } = error as { message?: string; hint?: string }
          const what = (message ?? String(error)).replace(/\.$/, '')
          throw new ToolError(`integrate_project failed: ${what}.${hint ? ` ${hint}` : ''}`)
        }
        return toolResult({ ...result.report }, summarize(result.report, args.apply, result.next))
      }),
  )
}
