import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { resolveNewProjectDir } from '../project-dir.js'
import { nextAfter } from '../steps.js'
import { runTool, ToolError, toolResult } from './result.js'

export const scaffoldProjectTool: RegisterTool = (server, ctx) => {
  const { scaffold, root } = ctx
  if (!scaffold || !root) return
  server.registerTool(
    'scaffold_project',
    {
      title: 'Scaffold a byok app',
      description:
        'Create a new chat app from a byok template (same as `byok create`) in a new or empty directory, its .env ' +
        'pointing at this relay. Given a directory that already holds an app, it writes nothing and answers with ' +
        'the integrate_project step instead. dir is relative to the MCP server’s working directory and may not ' +
        `leave it. ${nextAfter('scaffold', 'new')}`,
      inputSchema: {
        template: z.string().min(1).default('react').describe('Bundled template name, e.g. react (default)'),
        dir: z
          .string()
          .min(1)
          .max(4096)
          .describe('Directory to create, relative to the MCP server’s working directory'),
        app_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('App id sent to the relay (default: the directory name)'),
        install: z.boolean().default(false).describe('Install dependencies too (slow; default false)'),
      },
      outputSchema: {
        created: z.boolean().describe('false when dir already holds an app (nothing written)'),
        dir: z.string(),
        template: z.string().optional(),
        env: z.record(z.string(), z.string()).optional(),
        framework: z.string().optional().describe('The existing app’s framework (created: false)'),
        found: z.array(z.string()).optional().describe('Provider calls in the existing app (created: false)'),
        next: z.array(z.string()),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args) =>
      runTool(ctx, async () => {
        const dir = resolveNewProjectDir(root, args.dir)
        let result: Awaited<ReturnType<typeof scaffold>>
        try {
          result = await scaffold({
            template: args.template,
            dir,
            relayUrl: ctx.relayUrl,
            appId: args.app_id,
            install: args.install,
          })
        } catch (error) {
          // The CLI's errors carry a hint (the template list, or how to pick another directory).
          const { message, hint } = error as { message?: string; hint?: string }
          const what = (message ?? String(error)).replace(/\.$/, '')
          throw new ToolError(`scaffold_project failed: ${what}.${hint ? ` ${hint}` : ''}`)
        }
        if ('existing' in result) {
          const step = `integrate_project with path "${args.dir}" (dry run first)`
          return toolResult(
            {
              created: false,
              dir: result.dir,
              framework: result.framework,
              found: [...result.found],
              next: [step],
            },
            `Not created: ${result.dir} already holds a ${result.framework} app` +
              `${result.found.length > 0 ? ` with provider calls at ${result.found.join(', ')}` : ''}; nothing was written. ` +
              `Next: ${step}.`,
          )
        }
        const out = {
          created: true,
          dir: result.dir,
          template: result.template,
          env: { ...result.env },
          next: [...result.next],
        }
        return toolResult(
          out,
          `Created ${result.dir} from the ${result.template} template; .env points at ${ctx.relayUrl}. ` +
            `To run it: ${result.next.join(' && ')}. ${nextAfter('scaffold', 'new')}`,
        )
      }),
  )
}
