/** MCP clients `byok mcp --print-config` knows how to register with. */
export const MCP_CLIENTS = ['claude', 'cursor', 'vscode', 'codex'] as const
export type McpClientName = (typeof MCP_CLIENTS)[number]

const COMMAND = 'npx'
const ARGS = ['-y', 'byok', 'mcp'] as const

/**
 * The exact registration snippet for a client, with where it goes. Formats: Claude Code `claude mcp add`,
 * Cursor `.cursor/mcp.json` (`mcpServers`), VS Code `.vscode/mcp.json` (`servers`, `type` required),
 * Codex `~/.codex/config.toml` (`[mcp_servers.<name>]`).
 *
 * @example
 * renderClientConfig('cursor').text // '{ "mcpServers": { "byok": { … } } }'
 */
export function renderClientConfig(client: McpClientName): { where: string; text: string } {
  switch (client) {
    case 'claude':
      return {
        where: 'run in your project (add --scope project to share it via .mcp.json)',
        text: `claude mcp add byok -- ${COMMAND} ${ARGS.join(' ')}`,
      }
    case 'cursor':
      return {
        where: '.cursor/mcp.json (or ~/.cursor/mcp.json for every project)',
        text: JSON.stringify({ mcpServers: { byok: { command: COMMAND, args: [...ARGS] } } }, null, 2),
      }
    case 'vscode':
      return {
        where: '.vscode/mcp.json',
        text: JSON.stringify(
          { servers: { byok: { type: 'stdio', command: COMMAND, args: [...ARGS] } } },
          null,
          2,
        ),
      }
    case 'codex':
      return {
        where: '~/.codex/config.toml',
        text: `[mcp_servers.byok]\ncommand = "${COMMAND}"\nargs = [${ARGS.map((a) => `"${a}"`).join(', ')}]`,
      }
  }
}
