import { dirname, resolve } from 'node:path'
import { startMockProviders } from '@byok/relay/mock-providers'
import { defineCommand } from 'citty'
import { ensureDevSecrets } from '../dev-secrets.js'
import type { CliIo } from '../io.js'
import { relayArgs, resolveRelayEnv, serveRelay } from '../run-relay.js'

export function createDevCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'dev',
      description:
        'Run the relay for local development: 127.0.0.1:3000, SQLite in ./data, secrets generated once into ./data/dev-secrets.json (mode 0600) and reused.',
    },
    args: {
      ...relayArgs,
      mock: {
        type: 'boolean',
        default: false,
        description:
          'Answer with built-in mock OpenAI, Anthropic and Gemini APIs on 127.0.0.1 (real JSON and SSE formats, fixed text, any stored key): stream a reply with no provider key',
      },
    },
    async run({ args }) {
      const env = resolveRelayEnv(io, args)
      const dbPath = resolve(io.cwd, env.DB_PATH || './data/relay.db')
      // Secrets from the environment win; otherwise the generated pair beside the database is used.
      const dev = ensureDevSecrets(dirname(dbPath))
      if (dev.created) io.err(`byok: generated dev secrets in ${dev.path} (keep it: stored keys need it)`)
      const devEnv = {
        ...env,
        DB_PATH: dbPath,
        ENCRYPTION_SECRET: env.ENCRYPTION_SECRET || dev.secrets.ENCRYPTION_SECRET,
        TOKEN_HMAC_SECRET:
          env.TOKEN_HMAC_SECRET || (env.ENCRYPTION_SECRET ? undefined : dev.secrets.TOKEN_HMAC_SECRET),
      }
      // The mocks' base URLs beat the environment's: --mock must never reach a real provider.
      const mocks = args.mock ? await startMockProviders() : undefined
      try {
        await serveRelay(
          io,
          { ...devEnv, ...mocks?.env },
          'dev',
          `store ${dbPath}${mocks ? '; mock providers ON: openai, anthropic, google answer locally' : ''}`,
        )
      } finally {
        await mocks?.close()
      }
    },
  })
}
