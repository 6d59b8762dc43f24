import { PROVIDER_IDS } from '@byok/relay'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { ToolContext } from '../context.js'
import { type RelayResponse, RelayUnreachableError, relayErrorOf } from '../relay-client.js'

/** A failure the model can act on: what failed and which tool or command to run next. */
export class ToolError extends Error {
  override readonly name = 'ToolError'
}

/** A successful result: structured content plus a one-line summary for clients that only read text. */
export function toolResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  return {
    content: [{ type: 'text', text: `${summary}\n${JSON.stringify(structured, null, 2)}` }],
    structuredContent: structured,
  }
}

export function toolError(message: string): CallToolResult {
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
  return ctx.embedded
    ? `The embedded relay at ${ctx.relayUrl} is not answering. Restart the byok MCP server (your client's MCP settings), then run relay_health.`
    : `The relay at ${ctx.relayUrl} is not reachable. Start it (\`npx byok dev\` for a local one), or unset RELAY_URL so \`byok mcp\` starts an embedded relay, then run relay_health.`
}

/** The token remembered for this session, or a ToolError telling the model to register first. */
export function requireToken(ctx: ToolContext): string {
  if (!ctx.session.token) {
    throw new ToolError(
      'No relay token in this session. Run register_user first (or start the server with RELAY_TOKEN set).',
    )
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
  app_secret_invalid: 'This relay requires APP_SECRET: set APP_SECRET in the byok MCP server environment.',
  rate_limited: 'Wait a minute, then retry.',
  model_forbidden: 'Pass a model the relay allows (see its ALLOWED_MODELS), or ask the operator to allow it.',
}

/** A ToolError for a non-2xx relay answer, naming the relay's code and what to do next. */
export function relayFailure(action: string, response: RelayResponse): ToolError {
  const relayError = relayErrorOf(response.body)
  if (!relayError)
    return new ToolError(`${action} failed: the relay answered HTTP ${response.status}. Run relay_health.`)
  const next = NEXT_STEP[relayError.code] ?? relayError.hint ?? 'Run relay_health, then retry.'
  return new ToolError(`${action} failed (${relayError.code}): ${relayError.error}. ${next}`)
}

export function isOk(response: RelayResponse): boolean {
  return response.status >= 200 && response.status < 300
}
