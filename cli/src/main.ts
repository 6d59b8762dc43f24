import { RELAY_VERSION } from '@byok/relay'
import { defineCommand } from 'citty'
import { createBackupCommand } from './commands/backup.js'
import { createCreateCommand } from './commands/create.js'
import { createDevCommand } from './commands/dev.js'
import { createDoctorCommand } from './commands/doctor.js'
import { createIntegrateCommand } from './commands/integrate.js'
import { createMcpCommand } from './commands/mcp.js'
import { createMigrateCommand } from './commands/migrate.js'
import { createRestoreCommand } from './commands/restore.js'
import { createSkillCommand } from './commands/skill.js'
import { createStartCommand } from './commands/start.js'
import { createUsageCommand } from './commands/usage.js'
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
      create: createCreateCommand(io),
      backup: createBackupCommand(io),
      restore: createRestoreCommand(io),
      migrate: createMigrateCommand(io),
      usage: createUsageCommand(io),
      doctor: createDoctorCommand(io),
      integrate: createIntegrateCommand(io),
      mcp: createMcpCommand(io),
      skill: createSkillCommand(io),
    },
  })
}
