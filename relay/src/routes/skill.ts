import type { FastifyInstance, FastifyRequest } from 'fastify'

/** The agent skill a relay serves: the packaged SKILL.md text, handed in by the CLI (the relay never reads it). */
export interface ServedSkill {
  readonly markdown: string
}

/** The address the skill uses for a local relay; a served copy names the relay that serves it instead. */
export const LOCAL_RELAY_URL = 'http://127.0.0.1:3000'

/**
 * The skill as this relay serves it: a note naming the relay after the front matter, and every local relay
 * address replaced by `relayUrl`. Everything else is the packaged text, byte for byte.
 */
function renderServedSkill(markdown: string, relayUrl: string): string {
  const note =
    `> Served by the byok relay at ${relayUrl}. Use it as the relay: \`RELAY_URL=${relayUrl} npx byok mcp\` for ` +
    `the MCP tools, \`--relay-url ${relayUrl}\` for the CLI, and \`${relayUrl}\` wherever the steps below need a ` +
    'relay URL.\n\n'
  const body = markdown.replaceAll(LOCAL_RELAY_URL, relayUrl)
  const frontMatter = /^---\n[\s\S]*?\n---\n\n?/.exec(body)
  if (!frontMatter) return `${note}${body}`
  return `${frontMatter[0]}${note}${body.slice(frontMatter[0].length)}`
}

/** llms.txt (llmstxt.org): what an agent pointed at this relay should read first. */
function renderLlmsTxt(relayUrl: string): string {
  return [
    '# byok relay',
    '',
    '> A bring-your-own-key relay: an app’s users store their own AI provider key here once (encrypted), and the ' +
      'browser calls providers through the relay with a relay token instead of a key.',
    '',
    `To integrate an app with this relay, read the skill at ${relayUrl}/skill and follow it with ${relayUrl} as the relay URL.`,
    '',
    '## Docs',
    '',
    `- [Agent skill](${relayUrl}/skill): the steps to integrate byok into an app or start a new one, with this relay`,
    `- [OpenAPI](${relayUrl}/openapi.json): every route, its body and its error codes`,
    `- [Version](${relayUrl}/version): relay name, version and API level`,
    '',
  ].join('\n')
}

/** `https://relay.example` as the caller reached it (behind TRUST_PROXY, the forwarded scheme and host). */
function originOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`
}

/** `GET /skill` (text/markdown) and `GET /llms.txt` (text/plain), registered only when the CLI passes the skill. */
export async function registerSkillRoutes(app: FastifyInstance, skill: ServedSkill): Promise<void> {
  app.get(
    '/skill',
    {
      schema: {
        summary: 'The byok agent skill (SKILL.md) with this relay’s URL filled in',
        tags: ['meta'],
        produces: ['text/markdown'],
      },
    },
    async (request, reply) =>
      reply.type('text/markdown; charset=utf-8').send(renderServedSkill(skill.markdown, originOf(request))),
  )
  app.get(
    '/llms.txt',
    {
      schema: {
        summary: 'llms.txt: where an agent starts on this relay',
        tags: ['meta'],
        produces: ['text/plain'],
      },
    },
    async (request, reply) => reply.type('text/plain; charset=utf-8').send(renderLlmsTxt(originOf(request))),
  )
}
