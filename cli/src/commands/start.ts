import { defineCommand } from 'citty'
import type { CliIo } from '../io.js'
import { relayArgs, resolveRelayEnv, serveRelay } from '../run-relay.js'
import { isWorker, parseWorkers, serveWorkers } from '../run-workers.js'
import { describeStore } from '../store-target.js'

export function createStartCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'start',
      description:
        'Run the relay in production mode. Needs ENCRYPTION_SECRET (32+ chars); set ALLOWED_ORIGINS and APP_SECRET too. Binds 0.0.0.0:3000 by default.',
    },
    args: {
      ...relayArgs,
      workers: {
        type: 'string',
        description:
          'Relay processes sharing the port (node:cluster): a number, or auto for one per core; needs REDIS_URL above 1',
        default: '1',
        valueHint: 'n|auto',
      },
    },
    async run({ args }) {
      const env = resolveRelayEnv(io, args)
      const detail = `store ${describeStore(env)}`
      const workers = parseWorkers(args.workers)
      if (isWorker) return serveRelay(io, env, 'production', detail, { asWorker: true })
      if (workers > 1) return serveWorkers(io, env, workers, detail)
      await serveRelay(io, env, 'production', detail)
    },
  })
}
