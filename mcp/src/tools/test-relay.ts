import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { planProbe } from '../probes.js'
import { relayErrorOf } from '../relay-client.js'
import { nextAfter } from '../steps.js'
import { providerInput, resolveProvider } from './provider.js'
import { isOk, relayFailure, requireToken, runTool, ToolError, toolResult } from './result.js'

const REPLY_CHARS = 80

// Upstream error bodies are never pasted (some echo part of the key); the status says enough to act on.
const UPSTREAM_NEXT: Readonly<Record<number, string>> = {
  400: 'The provider refused the request; call test_relay again with a model this key can use (model argument).',
  401: 'The provider rejected the stored key: ask the user to check the key in the MCP server’s env, then store_key again.',
  403: 'The provider refused this key for this request: call test_relay again with another model, or ask the user to check the key’s permissions.',
  404: 'The provider does not know this model; call test_relay again with a model this key can use (model argument).',
  429: 'The provider rate-limited the key or it is out of quota: ask the user to check billing, then call test_relay again.',
}

export const testRelayTool: RegisterTool = (server, ctx) => {
  server.registerTool(
    'test_relay',
    {
      title: 'Test a round trip',
      description:
        'Prove the setup works: send one tiny real chat request (1 output token) through the relay with the stored ' +
        'key for a provider, and report the HTTP status, latency and the first characters of the reply. ' +
        'Costs a fraction of a cent on real providers. Needs register_user and store_key first. The last step.',
      inputSchema: {
        provider: providerInput,
        model: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe('Model to call; a cheap default is used when omitted'),
        prompt: z.string().min(1).max(500).default('Say hi.').describe('The prompt (default "Say hi.")'),
      },
      outputSchema: {
        ok: z.boolean(),
        provider: z.string(),
        model: z.string(),
        path: z.string().describe('Path under /relay/<provider> that was called'),
        status: z.number().int(),
        latency_ms: z.number().int(),
        reply: z.string().describe(`First ${REPLY_CHARS} characters of the reply text`),
      },
      // Not read-only: it spends a real (tiny) amount on the user's provider account and is logged as usage.
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    (args) =>
      runTool(ctx, async () => {
        const provider = resolveProvider(args.provider)
        const plan = planProbe(provider, args.model, args.prompt)
        if ('problem' in plan) {
          throw new ToolError(
            plan.problem === 'model_required'
              ? `${provider.name} has no default test model; call test_relay again with a model argument.`
              : `${provider.name} has no chat endpoint to test; test_relay works for chat providers (e.g. openai, anthropic, google).`,
          )
        }
        const token = requireToken(ctx)
        const response = await ctx.relay.request('POST', `/relay/${provider.id}${plan.path}`, {
          token,
          body: plan.body,
        })
        if (!isOk(response)) {
          if (relayErrorOf(response.body)) throw relayFailure('test_relay', response)
          const next =
            UPSTREAM_NEXT[response.status] ??
            'Wait a minute and call test_relay again (the provider may be down).'
          throw new ToolError(
            `test_relay: ${provider.name} answered HTTP ${response.status} through the relay (the relay itself works). ${next}`,
          )
        }
        const text = plan.reply(response.body) ?? ''
        const out = {
          ok: true,
          provider: provider.id,
          model: plan.model,
          path: plan.path,
          status: response.status,
          latency_ms: response.latencyMs,
          reply: text.slice(0, REPLY_CHARS),
        }
        return toolResult(
          out,
          `Round trip OK: ${provider.name} ${plan.model} answered ${response.status} in ${response.latencyMs} ms through the relay. ${nextAfter('test')}`,
        )
      }),
  )
}
