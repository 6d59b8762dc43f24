import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'

export interface PromptOptions {
  readonly canScaffold: boolean
  readonly canIntegrate: boolean
  /** The relay's /mcp: no register_user, no key_env, no file-system tools. */
  readonly remote: boolean
}

const POINT_SDK =
  'point its AI SDK at the relay (baseURL `<relay>/relay/<provider>/…`, the user’s relay token as the API key) — see the byok guides.'

function finalSteps(options: PromptOptions): string[] {
  const steps: string[] = []
  if (options.canIntegrate) {
    steps.push(
      'For an existing app: integrate_project with its path (dry run first) — show the user the diffs and the manual ' +
        'items, then, once they agree and their git tree is committed, integrate_project again with apply: true.',
    )
  }
  if (options.canScaffold) steps.push('For a new app: scaffold_project (template, dir).')
  if (!options.canIntegrate) steps.push(`For an existing app, ${POINT_SDK}`)
  else steps.push(`Anything integrate_project lists as manual: ${POINT_SDK}`)
  return steps
}

/** The `integrate-byok` prompt: the order in which an agent uses the tools. */
export function registerIntegratePrompt(server: McpServer, options: PromptOptions): void {
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
      const setup = options.remote
        ? [
            '1. relay_health — confirm the relay answers; this server runs on it and acts for your relay token’s user.',
            `2. store_key with provider "${p}" and the key as key — this remote server cannot read environment ` +
              'variables; to keep a key out of the chat, use `byok mcp` on the user’s machine instead.',
          ]
        : [
            '1. relay_health — confirm the relay answers (an embedded local relay is used when RELAY_URL is unset).',
            '2. register_user — gets a relay token, remembered for this session.',
            `3. store_key with provider "${p}" and key_env "${env}" — the key is read from the MCP server's environment, ` +
              'so never paste a key into the chat. If the variable is missing, tell the user how to add it to the MCP server config.',
          ]
      const steps = [
        ...setup,
        `${setup.length + 1}. test_relay with provider "${p}" — one tiny real round trip; fix anything it reports before going on.`,
        ...finalSteps(options).map((step, i) => `${setup.length + 2 + i}. ${step}`),
      ]
      const text = [
        'Set up byok (bring-your-own-key relay) with the byok MCP tools, in this order:',
        ...steps,
        'Every tool error says what to do next; follow it rather than retrying blindly.',
      ].join('\n')
      return { messages: [{ role: 'user', content: { type: 'text', text } }] }
    },
  )
}
