import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'

/** The `integrate-byok` prompt: the order in which an agent uses the tools. */
export function registerIntegratePrompt(server: McpServer, options: { canScaffold: boolean }): void {
  server.registerPrompt(
    'integrate-byok',
    {
      title: 'Integrate byok',
      description: 'Steps to connect an app to a byok relay so its users bring their own AI provider keys.',
      argsSchema: {
        provider: z.string().optional().describe('Provider to set up (default openai)'),
        key_env: z
          .string()
          .optional()
          .describe('Environment variable holding the key (default OPENAI_API_KEY)'),
      },
    },
    ({ provider, key_env }) => {
      const p = provider || 'openai'
      const env = key_env || `${p.toUpperCase().replaceAll('-', '_')}_API_KEY`
      const last = options.canScaffold
        ? '5. For a new app, call scaffold_project (template, dir); for an existing app, point its AI SDK at the relay ' +
          '(baseURL `<relay>/relay/<provider>/…`, the user’s relay token as the API key) — see the byok guides.'
        : '5. Point the app’s AI SDK at the relay (baseURL `<relay>/relay/<provider>/…`, the user’s relay token as the API key) — see the byok guides.'
      const text = [
        'Set up byok (bring-your-own-key relay) with the byok MCP tools, in this order:',
        '1. relay_health — confirm the relay answers (an embedded local relay is used when RELAY_URL is unset).',
        '2. register_user — gets a relay token, remembered for this session.',
        `3. store_key with provider "${p}" and key_env "${env}" — the key is read from the MCP server's environment, ` +
          'so never paste a key into the chat. If the variable is missing, tell the user how to add it to the MCP server config.',
        `4. test_relay with provider "${p}" — one tiny real round trip; fix anything it reports before going on.`,
        last,
        'Every tool error says what to do next; follow it rather than retrying blindly.',
      ].join('\n')
      return { messages: [{ role: 'user', content: { type: 'text', text } }] }
    },
  )
}
