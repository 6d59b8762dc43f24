import { z } from 'zod'
import type { RegisterTool } from '../context.js'
import { nextAfter } from '../steps.js'
import { providerInput, resolveProvider } from './provider.js'
import { isOk, relayFailure, requireToken, runTool, ToolError, toolResult } from './result.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const keyEnvInput = z
  .string()
  .regex(ENV_NAME, 'must be an environment variable name like OPENAI_API_KEY')
  .optional()
  .describe('Name of the environment variable holding the key, e.g. OPENAI_API_KEY (preferred)')

export const storeKeyTool: RegisterTool = (server, ctx) => {
  const env = ctx.env
  const common = {
    provider: providerInput,
    key: z.string().min(1).max(8192).optional(),
    base_url: z
      .string()
      .url()
      .optional()
      .describe('openai-compatible only: the endpoint this key is for (bound to the key)'),
  }
  // Remote sessions (the relay's /mcp) get no key_env at all: naming a variable must never read the relay host's
  // environment on behalf of whoever holds a token.
  const inputSchema: z.ZodRawShape = env
    ? {
        provider: common.provider,
        key_env: keyEnvInput,
        key: common.key.describe('The key itself; only if key_env is impossible'),
        base_url: common.base_url,
      }
    : {
        ...common,
        key: common.key.describe('The key itself (this remote server cannot read environment variables)'),
      }
  server.registerTool(
    'store_key',
    {
      title: 'Store a provider key',
      description: env
        ? "Store the user's API key for a provider on the relay (encrypted at rest, never returned). Prefer key_env: " +
          'the NAME of an environment variable of this MCP server that holds the key, so the key never enters the ' +
          `chat. Pass exactly one of key or key_env. Needs register_user first. The key is never echoed. ${nextAfter('store')}`
        : "Store the user's API key for a provider on the relay (encrypted at rest, never returned) for the user of " +
          'this connection’s relay token. Pass the key as key. The key is never echoed.',
      inputSchema,
      outputSchema: {
        stored: z.boolean(),
        provider: z.string(),
        source: z.enum(['key', 'key_env']),
        key_env: z.string().optional(),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    (input) => {
      const args = input as { provider: string; key?: string; key_env?: string; base_url?: string }
      const key = args.key ?? (args.key_env && env ? env[args.key_env] : undefined)
      return runTool(
        ctx,
        async () => {
          const provider = resolveProvider(args.provider)
          if (!env && args.key === undefined) {
            throw new ToolError(
              'Pass the key as key: this MCP server runs on the relay and cannot read environment variables. ' +
                'To keep the key out of the chat, use `byok mcp` on your machine with key_env instead.',
            )
          }
          if ((args.key === undefined) === (args.key_env === undefined)) {
            throw new ToolError(
              'Pass exactly one of key_env (preferred: the name of an environment variable holding the key) or key.',
            )
          }
          if (args.key_env !== undefined && !key?.trim()) {
            throw new ToolError(
              `The environment variable ${args.key_env} is not set for the byok MCP server. Add it to the server's env ` +
                `in their MCP client config (e.g. \`claude mcp add byok -e ${args.key_env}=… -- npx -y byok mcp\`) and restart the server; then call store_key again.`,
            )
          }
          const token = requireToken(ctx)
          const response = await ctx.relay.request('POST', `/keys/${provider.id}`, {
            token,
            body: { key, ...(args.base_url ? { base_url: args.base_url } : {}) },
          })
          if (!isOk(response)) throw relayFailure('store_key', response)
          const out = {
            stored: true,
            provider: provider.id,
            source: args.key_env !== undefined ? ('key_env' as const) : ('key' as const),
            ...(args.key_env !== undefined ? { key_env: args.key_env } : {}),
          }
          return toolResult(
            out,
            `Stored the ${provider.name} key on the relay. Next: test_relay with provider "${provider.id}".`,
          )
        },
        key ? [key, key.trim()] : [],
      )
    },
  )
}
