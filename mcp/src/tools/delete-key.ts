import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { providerInput, resolveProvider } from './provider.js'
import { isOk, relayFailure, requireToken, runTool, toolResult } from './result.js'

export const deleteKeyTool: RegisterTool = (server, ctx) => {
  server.registerTool(
    'delete_key',
    {
      title: 'Delete a stored key',
      description:
        "Delete this session's user's stored key for a provider from the relay. It cannot be recovered; store_key again to replace it.",
      inputSchema: { provider: providerInput },
      outputSchema: {
        provider: z.string(),
        deleted: z.boolean().describe('false when no key was stored for this provider'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) =>
      runTool(ctx, async () => {
        const provider = resolveProvider(args.provider)
        const response = await ctx.relay.request('DELETE', `/keys/${provider.id}`, {
          token: requireToken(ctx),
        })
        if (!isOk(response)) throw relayFailure('delete_key', response)
        const { deleted } = response.body as { deleted: boolean }
        return toolResult(
          { provider: provider.id, deleted },
          deleted
            ? `Deleted the ${provider.name} key.`
            : `No ${provider.name} key was stored; nothing deleted.`,
        )
      }),
  )
}
