import { findProvider } from '@byok/relay'
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { z } from 'zod'
import { type AgentStep, stepsFor } from './steps.js'

interface PromptOptions {
  readonly canScaffold: boolean
  readonly canIntegrate: boolean
  /** The relay's /mcp: no register_user, no key_env, no file-system tools. */
  readonly remote: boolean
}

const POINT_SDK =
  'point its AI SDK at the relay (baseURL `<relay>/relay/<provider>/…`, the user’s relay token as the API key) — see the byok://guides resources.'

/** One numbered line per step, with the arguments this prompt's provider needs. */
function describe(step: AgentStep, provider: string, keyEnv: string, remote: boolean): string {
  const label = step.how ? `${step.tool} (${step.how})` : step.tool
  if (step.id === 'store') {
    return remote
      ? `store_key with provider "${provider}" and the key as key — this remote server cannot read environment variables; to keep a key out of the chat, use \`byok mcp\` on the user’s machine instead.`
      : `${label} with provider "${provider}" and key_env "${keyEnv}" — ${step.why}. If the variable is missing, tell the user how to add it to the MCP server’s env in their MCP client config.`
  }
  if (step.id === 'test')
    return `${label} with provider "${provider}" — ${step.why}; fix anything it reports.`
  return `${label} — ${step.why}.`
}

/** The `integrate-byok` prompt: the steps of `AGENT_STEPS`, for the tools this server offers. */
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
      // The variable the provider's SDKs read (the registry's `keyEnv`); a guess from the id for the rest.
      const env = key_env || findProvider(p)?.keyEnv[0] || `${p.toUpperCase().replaceAll('-', '_')}_API_KEY`
      const offered = (step: AgentStep) =>
        !(options.remote && step.id === 'register') &&
        !(!options.canIntegrate && (step.id === 'plan' || step.id === 'apply')) &&
        !(!options.canScaffold && step.id === 'scaffold')
      const numbered = (steps: readonly AgentStep[]) =>
        steps.filter(offered).map((s, i) => `${i + 1}. ${describe(s, p, env, options.remote)}`)
      const lines = ['Set up byok (bring-your-own-key relay) with the byok MCP tools, in this order.']
      if (options.canIntegrate) lines.push('', 'For an existing app:', ...numbered(stepsFor('existing')))
      if (options.canScaffold) lines.push('', 'For a new app:', ...numbered(stepsFor('new')))
      if (!options.canIntegrate && !options.canScaffold) {
        lines.push('', ...numbered(stepsFor('existing')), '', `Then, in the app, ${POINT_SDK}`)
      } else {
        lines.push('', `Anything integrate_project lists as manual: ${POINT_SDK}`)
      }
      lines.push('Every tool error says what to do next; follow it rather than retrying blindly.')
      return { messages: [{ role: 'user', content: { type: 'text', text: lines.join('\n') } }] }
    },
  )
}
