import { PROVIDER_IDS } from '@byok/relay'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ToolContext } from '../context.js'
import { type RelayResponse, RelayUnreachableError, relayErrorOf } from '../relay-client.js'

/** A failure the model can act on: what failed and which tool or command to run next. */
export class ToolError extends Error {
  override readonly name = 'ToolError'
}

/**
 * A successful result: the data once, as structured content, and a short text summary (outcome first) for the
 * model to act on. The JSON is not repeated in the text: it would double what every call costs an agent's context.
 */
export function toolResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  return { content: [{ type: 'text', text: summary }], structuredContent: structured }
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true }
}

/**
 * Run a handler so that nothing escapes: a ToolError or an unreachable relay becomes an actionable isError result,
 * anything else a generic one. `secrets` are scrubbed from every message as a last line of defence.
 */
export async function runTool(
  ctx: ToolContext,
  fn: () => Promise<CallToolResult>,
  secrets: readonly string[] = [],
): Promise<CallToolResult> {
  try {
    return await fn()
  } catch (error) {
    let message: string
    if (error instanceof ToolError) message = error.message
    else if (error instanceof RelayUnreachableError) message = unreachableMessage(ctx)
    else
      message = `Unexpected error: ${error instanceof Error ? error.message : String(error)}. Run relay_health to check the relay, then retry.`
    for (const secret of secrets) if (secret) message = message.replaceAll(secret, '[redacted]')
    return toolError(message)
  }
}

function unreachableMessage(ctx: ToolContext): string {
  if (ctx.remote)
    return `The relay at ${ctx.relayUrl} is not answering. Retry in a moment, then run relay_health.`
  return ctx.relaySource === 'configured'
    ? `The relay at ${ctx.relayUrl} (RELAY_URL) is not reachable. Ask the user to start it, or to remove RELAY_URL from the byok MCP server's env so it uses the local dev relay; then run relay_health.`
    : `The local dev relay at ${ctx.relayUrl} is not answering. Run \`npx byok dev\` in a terminal (same data dir: stored keys are kept), then run relay_health.`
}

/** The token remembered for this session, or a ToolError telling the model to register first. */
export function requireToken(ctx: ToolContext): string {
  if (!ctx.session.token) {
    throw new ToolError('No relay token in this session. Run register_user first.')
  }
  return ctx.session.token
}

// What to do next for the relay's error codes a tool is likely to meet (SPEC §3.1 catalogue).
const NEXT_STEP: Readonly<Record<string, string>> = {
  token_missing: 'Run register_user to get a new relay token for this session.',
  token_invalid: 'Run register_user to get a new relay token for this session.',
  token_expired: 'Run register_user to get a new relay token for this session.',
  token_revoked: 'Run register_user to get a new relay token for this session.',
  key_missing: 'Run store_key for this provider first.',
  key_unreadable: 'Run store_key again for this provider (the stored key cannot be decrypted).',
  provider_unknown: `Use one of: ${PROVIDER_IDS.join(', ')}.`,
  app_secret_invalid:
    'This relay requires APP_SECRET: ask the user to add APP_SECRET to the byok MCP server’s env in the MCP client config, restart the server, then run register_user.',
  key_invalid:
    'The relay refused the key’s shape: ask the user to check the variable key_env names (the whole key, no quotes), then call store_key again.',
  base_url_rejected:
    'Call store_key again without base_url, or with the endpoint this key was first stored for (or delete_key first).',
  upstream_timeout: 'The provider did not answer in time: wait a minute, then call the same tool again.',
  upstream_unreachable:
    'The relay cannot reach the provider: run relay_health, then call the same tool again in a minute.',
  rate_limited: 'Wait a minute, then call the same tool again.',
  model_forbidden:
    'Call test_relay again with a model argument the relay allows (its GET /models lists allowed_models).',
}

/** A ToolError for a non-2xx relay answer, naming the relay's code and what to do next. */
export function relayFailure(action: string, response: RelayResponse): ToolError {
  const relayError = relayErrorOf(response.body)
  if (!relayError)
    return new ToolError(`${action} failed: the relay answered HTTP ${response.status}. Run relay_health.`)
  const next = NEXT_STEP[relayError.code] ?? relayError.hint ?? 'Run relay_health, then retry.'
  // The relay's hint says what a valid key looks like: worth passing on with the remedy.
  const shape =
    relayError.code === 'key_invalid' && relayError.hint ? ` ${relayError.hint.replace(/\.?$/, '.')}` : ''
  return new ToolError(`${action} failed (${relayError.code}): ${relayError.error}.${shape} ${next}`)
}

export function isOk(response: RelayResponse): boolean {
  return response.status >= 200 && response.status < 300
}
