import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { nextAfter } from '../steps.js'
import { isOk, relayFailure, runTool, toolResult } from './result.js'

export const registerUserTool: RegisterTool = (server, ctx) => {
  // Remote sessions act for the user of their bearer token; a new user's token could be neither remembered
  // (stateless HTTP) nor shown.
  if (ctx.remote) return
  server.registerTool(
    'register_user',
    {
      title: 'Register a relay user',
      description:
        'Register a user on the relay (POST /users) and remember the relay token for the rest of this session, so ' +
        'store_key, list_keys, delete_key and test_relay can use it. The token itself is never shown. ' +
        `Calling it again replaces the session token with a new user. ${nextAfter('register')}`,
      inputSchema: {
        app_id: z
          .string()
          .min(1)
          .max(200)
          .default('byok-mcp')
          .describe('Your app id (e.g. the package name); defaults to "byok-mcp"'),
      },
      outputSchema: {
        registered: z.boolean(),
        app_id: z.string(),
        token_hint: z.string().describe('Last 4 characters of the remembered token'),
        expires_at: z.string().nullable(),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    ({ app_id }) =>
      runTool(ctx, async () => {
        const response = await ctx.relay.request('POST', '/users', {
          body: { app_id },
          bearer: ctx.appSecret,
        })
        if (!isOk(response)) throw relayFailure('register_user', response)
        const { token, expires_at } = response.body as { token: string; expires_at: string | null }
        ctx.session.token = token
        const out = { registered: true, app_id, token_hint: token.slice(-4), expires_at }
        return toolResult(
          out,
          `Registered a user for "${app_id}"; the relay token is remembered for this session. ${nextAfter('register')}`,
        )
      }),
  )
}
