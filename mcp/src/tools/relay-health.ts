import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { relayFailure, runTool, toolResult } from './result.js'

export const relayHealthTool: RegisterTool = (server, ctx) => {
  server.registerTool(
    'relay_health',
    {
      title: 'Relay health',
      description:
        'Check that the byok relay answers: deep health check (store and crypto round trips) plus its version. ' +
        'Says whether the relay is embedded in this MCP server (zero-config local relay) or the one at RELAY_URL. ' +
        'Run this first; if it fails, nothing else will work.',
      inputSchema: {},
      outputSchema: {
        relay_url: z.string(),
        embedded: z.boolean(),
        ok: z.boolean(),
        version: z.string(),
        api: z.string(),
        mode: z.string(),
        checks: z.record(z.string(), z.string()),
        has_token: z.boolean().describe('Whether this session already holds a relay token'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    () =>
      runTool(ctx, async () => {
        const health = await ctx.relay.request('GET', '/health?deep=1')
        const body = health.body as {
          ok?: boolean
          version?: string
          mode?: string
          checks?: Record<string, string>
        }
        if (typeof body?.ok !== 'boolean') throw relayFailure('Health check', health)
        const version = await ctx.relay.request('GET', '/version')
        const v = version.body as { version?: string; api?: string }
        const out = {
          relay_url: ctx.relayUrl,
          embedded: ctx.embedded,
          ok: body.ok,
          version: v?.version ?? body.version ?? 'unknown',
          api: v?.api ?? 'unknown',
          mode: body.mode ?? 'unknown',
          checks: body.checks ?? {},
          has_token: ctx.session.token !== undefined,
        }
        const where = ctx.embedded ? `embedded relay at ${ctx.relayUrl}` : `relay at ${ctx.relayUrl}`
        const summary = body.ok
          ? `The ${where} is healthy (byok-relay ${out.version}, ${out.mode} mode).${out.has_token ? '' : ' Next: register_user.'}`
          : `The ${where} answered but a deep check failed: ${JSON.stringify(out.checks)}. Check the relay's logs (stderr).`
        return toolResult(out, summary)
      }),
  )
}
