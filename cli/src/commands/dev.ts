import { startMockProviders } from '@byok/relay/mock-providers'
import { defineCommand } from 'citty'
import { devRelayEnv, resolveDevDataDir } from '../dev-secrets.js'
import type { CliIo } from '../io.js'
import { relayArgs, resolveRelayEnv, serveRelay } from '../run-relay.js'
import { describeStore } from '../store-target.js'

export function createDevCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'dev',
      description:
        'Run the local dev relay on 127.0.0.1:3000 (the one `byok mcp` uses too): database and secrets (generated ' +
        'once, mode 0600) in the per-user data dir ($BYOK_DATA_DIR, else $XDG_DATA_HOME/byok, else ~/.local/share/byok). ' +
        'Rate limits you leave unset are generous in dev mode.',
    },
    args: {
      ...relayArgs,
      'data-dir': {
        type: 'string',
        description:
          'Dev relay data dir (env BYOK_DATA_DIR; default $XDG_DATA_HOME/byok or ~/.local/share/byok)',
        valueHint: 'dir',
      },
      mock: {
        type: 'boolean',
        default: false,
        description:
          'Answer with built-in mock OpenAI, Anthropic and Gemini APIs on 127.0.0.1 (real JSON and SSE formats, fixed text, any stored key): stream a reply with no provider key',
      },
    },
    async run({ args }) {
      const dataDir = resolveDevDataDir(io.env, io.cwd, args['data-dir'])
      const env = devRelayEnv(resolveRelayEnv(io, args), dataDir, io.cwd, (line) => io.err(line))
      // The mocks' base URLs beat the environment's: --mock must never reach a real provider.
      const mocks = args.mock ? await startMockProviders() : undefined
      try {
        await serveRelay(
          io,
          { ...env, ...mocks?.env },
          'dev',
          `store ${describeStore(env)}${mocks ? '; mock providers ON: openai, anthropic, google answer locally' : ''}`,
        )
      } finally {
        await mocks?.close()
      }
    },
  })
}
