import { defineCommand } from 'citty'
import type { CliIo } from '../io.js'
import { relayArgs, resolveRelayEnv, serveRelay } from '../run-relay.js'

export function createStartCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'start',
      description:
        'Run the relay in production mode. Needs ENCRYPTION_SECRET (32+ chars); set ALLOWED_ORIGINS and APP_SECRET too. Binds 0.0.0.0:3000 by default.',
    },
    args: relayArgs,
    async run({ args }) {
      const env = resolveRelayEnv(io, args)
      await serveRelay(io, env, 'production', `store ${env.DB_PATH ?? './data/relay.db'}`)
    },
  })
}
