import { z } from 'zod'
import type { RegisterTool, RelaySource } from '../context.js'
import { nextAfter } from '../steps.js'
import { relayFailure, runTool, toolResult } from './result.js'

const SOURCE: Readonly<Record<RelaySource, string>> = {
  started:
    'the local dev relay, started by this MCP server (it stops with it; `npx byok dev` runs the same one)',
  running: 'the local dev relay, already running (shared with `byok dev`)',
  configured: 'the relay at RELAY_URL',
}

export const relayHealthTool: RegisterTool = (server, ctx) => {
  server.registerTool(
    'relay_health',
    {
      title: 'Relay health',
      description:
        'Check that the byok relay answers: deep health check (store and crypto round trips) plus its version. ' +
        'Says which relay this is: the local dev relay (the one apps integrated here call) or RELAY_URL. ' +
        `Run this first. ${nextAfter('health')}`,
      inputSchema: {},
      outputSchema: {
        relay_url: z.string(),
        relay_source: z.enum(['started', 'running', 'configured']),
        ok: z.boolean(),
        version: z.string(),
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
        const out = {
          relay_url: ctx.relayUrl,
          relay_source: ctx.relaySource,
          ok: body.ok,
          version: body.version ?? 'unknown',
          mode: body.mode ?? 'unknown',
          checks: body.checks ?? {},
          has_token: ctx.session.token !== undefined,
        }
        const next = ctx.remote
          ? 'Next: store_key.'
          : `${nextAfter('health')} For a new app: scaffold_project instead.`
        const summary = body.ok
          ? `Healthy: ${ctx.relayUrl}, ${SOURCE[ctx.relaySource]}; byok-relay ${out.version}, ${out.mode} mode. ${next}`
          : `Unhealthy: ${ctx.relayUrl} answered but a deep check failed (${JSON.stringify(out.checks)}). ` +
            'Ask the user to check the relay’s log (the terminal running it), then run relay_health again.'
        return toolResult(out, summary)
      }),
  )
}
