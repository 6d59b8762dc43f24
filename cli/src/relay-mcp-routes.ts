// Its own module so `byok start` loads the MCP server (SDK, schemas) only when MCP_HTTP=on asks for it.
import { createMcpRoutes } from '@byok/mcp'
import { resolveGuidesDir } from './served-skill.js'

/** The relay's `/mcp` routes for `byok start`/`byok dev` (mounted only when MCP_HTTP=on), with the skill's guides. */
export function createRelayMcpRoutes() {
  return createMcpRoutes({ guidesDir: resolveGuidesDir() })
}
