import { RELAY_VERSION } from '@byok/relay'
import { defineCommand } from 'citty'
import type { CliIo } from './io.js'

/**
 * The `byok` command tree. Commands receive `io` instead of reaching for `process`.
 *
 * Each command's module loads only when that command runs (or help lists it): `byok start` must not carry the
 * codemod (ts-morph, TypeScript) and the MCP server in its heap — together ~80 MB of RSS.
 */
export function createMainCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'byok',
      version: RELAY_VERSION,
      description: 'Let your users bring their own AI provider keys: run the byok relay.',
    },
    subCommands: {
      start: () => import('./commands/start.js').then((m) => m.createStartCommand(io)),
      dev: () => import('./commands/dev.js').then((m) => m.createDevCommand(io)),
      create: () => import('./commands/create.js').then((m) => m.createCreateCommand(io)),
      backup: () => import('./commands/backup.js').then((m) => m.createBackupCommand(io)),
      restore: () => import('./commands/restore.js').then((m) => m.createRestoreCommand(io)),
      migrate: () => import('./commands/migrate.js').then((m) => m.createMigrateCommand(io)),
      usage: () => import('./commands/usage.js').then((m) => m.createUsageCommand(io)),
      doctor: () => import('./commands/doctor.js').then((m) => m.createDoctorCommand(io)),
      integrate: () => import('./commands/integrate.js').then((m) => m.createIntegrateCommand(io)),
      mcp: () => import('./commands/mcp.js').then((m) => m.createMcpCommand(io)),
      skill: () => import('./commands/skill.js').then((m) => m.createSkillCommand(io)),
    },
  })
}
