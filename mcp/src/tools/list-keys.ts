import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { isOk, relayFailure, requireToken, runTool, toolResult } from './result.js'

export const listKeysTool: RegisterTool = (server, ctx) => {
  server.registerTool(
    'list_keys',
    {
      title: 'List stored keys',
      description:
        "List the providers this session's user has keys for, each with a masked hint: `…` and the key's last 4 characters (`…` alone for a key under 16 characters). Needs register_user first.",
      inputSchema: {},
      outputSchema: {
        providers: z.array(z.string()),
        keys: z.array(
          z.object({
            provider: z.string(),
            hint: z.string(),
            created_at: z.string(),
            updated_at: z.string(),
            base_url: z.string().optional(),
          }),
        ),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    () =>
      runTool(ctx, async () => {
        const response = await ctx.relay.request('GET', '/keys', { token: requireToken(ctx) })
        if (!isOk(response)) throw relayFailure('list_keys', response)
        const out = response.body as { providers: string[]; keys: Record<string, string>[] }
        const summary =
          out.providers.length === 0
            ? 'No keys stored yet. Next: store_key.'
            : `Keys stored for: ${out.providers.join(', ')}.`
        return toolResult({ providers: out.providers, keys: out.keys }, summary)
      }),
  )
}
