import { RELAY_VERSION } from '@byok/relay'
import { defineCommand } from 'citty'
import { createDevCommand } from './commands/dev.js'
import { createStartCommand } from './commands/start.js'
import type { CliIo } from './io.js'

/** The `byok` command tree. Commands receive `io` instead of reaching for `process`. */
export function createMainCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'byok',
      version: RELAY_VERSION,
      description: 'Let your users bring their own AI provider keys: run the byok relay.',
    },
    subCommands: {
      start: createStartCommand(io),
      dev: createDevCommand(io),
    },
  })
}
