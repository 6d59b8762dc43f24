import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { runTool, ToolError, toolResult } from './result.js'

export const scaffoldProjectTool: RegisterTool = (server, ctx) => {
  const scaffold = ctx.scaffold
  if (!scaffold) return
  server.registerTool(
    'scaffold_project',
    {
      title: 'Scaffold a byok app',
      description:
        'Create a new chat app from a byok template (same as `byok create --json`) in an empty directory, with its ' +
        '.env pointing at the relay. Refuses a non-empty directory. Returns the commands to run next.',
      inputSchema: {
        template: z.string().min(1).default('react').describe('Bundled template name, e.g. react (default)'),
        dir: z
          .string()
          .min(1)
          .describe('Directory to create, relative to the MCP server’s working directory'),
        relay_url: z
          .string()
          .url()
          .optional()
          .describe('Relay the app calls, written to .env (default: the relay this server talks to)'),
        app_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('App id sent to the relay (default: package name)'),
        install: z.boolean().default(false).describe('Install dependencies too (slow; default false)'),
      },
      outputSchema: {
        dir: z.string(),
        template: z.string(),
        env: z.record(z.string(), z.string()),
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
        let result: Awaited<ReturnType<typeof scaffold>>
        try {
          result = await scaffold({
            template: args.template,
            dir: args.dir,
            relayUrl: args.relay_url ?? ctx.relayUrl,
            appId: args.app_id,
            install: args.install,
          })
        } catch (error) {
          // The CLI's errors carry a hint (e.g. the template list, or "pick a new directory").
          const { message, hint } = error as { message?: string; hint?: string }
          throw new ToolError(
            `scaffold_project failed: ${message ?? String(error)}.${hint ? ` ${hint}` : ''}`,
          )
        }
        const out = {
          dir: result.dir,
          template: result.template,
          env: { ...result.env },
          next: [...result.next],
        }
        return toolResult(
          out,
          `Created ${result.dir} from the ${result.template} template. Next: ${result.next.join(' && ')}`,
        )
      }),
  )
}
