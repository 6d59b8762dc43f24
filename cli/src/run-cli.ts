import { renderUsage, runCommand } from 'citty'
import { CliError } from './errors.js'
import type { CliIo } from './io.js'
import { createMainCommand } from './main.js'

/**
 * Run `byok` with `rawArgs` and return the exit code. Help and version print to `io.out`; every failure is
 * one line `byok: <reason>` (plus a hint line) on `io.err`, with the `CliError`'s `exitCode` (1 unless the command
 * chose another, as `byok integrate` does for "done, but with file errors").
 *
 * @example
 * process.exitCode = await runCli(process.argv.slice(2), io)
 */
export async function runCli(rawArgs: string[], io: CliIo): Promise<number> {
  const main = createMainCommand(io)
  const wantsHelp = rawArgs.includes('--help') || rawArgs.includes('-h')
  try {
    if (rawArgs.length === 1 && (rawArgs[0] === '--version' || rawArgs[0] === '-v')) {
      const meta = await (typeof main.meta === 'function' ? main.meta() : main.meta)
      io.out(meta?.version ?? '')
      return 0
    }
    if (wantsHelp || rawArgs.length === 0) {
      io.out(await renderHelp(main, rawArgs))
      return rawArgs.length === 0 ? 1 : 0
    }
    await runCommand(main, { rawArgs })
    return 0
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`byok: ${error.message}`)
      if (error.hint) io.err(`hint: ${error.hint}`)
      return error.exitCode
    }
    // citty's own argument errors (unknown command, bad enum) carry an E_* code.
    const code = (error as { code?: unknown }).code
    if (code === 'E_UNKNOWN_COMMAND') {
      // A mistyped command shows what exists, then the one-line reason last where the eye lands.
      io.err(await renderUsage(main))
      const name = rawArgs.find((a) => !a.startsWith('-'))
      io.err(`byok: unknown command${name ? ` "${name}"` : ''}`)
      io.err('hint: run `byok --help` for the list of commands')
      return 1
    }
    if (typeof code === 'string' && code.startsWith('E_')) {
      io.err(`byok: ${(error as Error).message}`)
      io.err('hint: run `byok --help` for the list of commands')
      return 1
    }
    io.err(`byok: unexpected error: ${error instanceof Error ? error.message : String(error)}`)
    return 1
  }
}

async function renderHelp(main: ReturnType<typeof createMainCommand>, rawArgs: string[]): Promise<string> {
  const name = rawArgs.find((a) => !a.startsWith('-'))
  const subCommands = await (typeof main.subCommands === 'function' ? main.subCommands() : main.subCommands)
  const sub = name ? subCommands?.[name] : undefined
  if (sub) {
    const resolved = await (typeof sub === 'function' ? sub() : sub)
    return renderUsage(resolved, main)
  }
  return renderUsage(main)
}
