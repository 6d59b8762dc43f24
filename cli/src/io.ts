import type { Env } from '@byok/relay'

/** Everything a command may touch outside itself. The bin builds it from `process`; tests build their own. */
export interface CliIo {
  readonly env: Env
  readonly cwd: string
  /** Normal output (stdout). */
  out(line: string): void
  /** Diagnostics and progress (stderr). */
  err(line: string): void
  /** Resolves with the signal name when the process is asked to stop (SIGTERM/SIGINT). */
  waitForShutdown(): Promise<string>
}
