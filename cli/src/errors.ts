/**
 * Thrown anywhere in the CLI; only the bin prints it (message, then hint) and sets the exit code.
 *
 * `exitCode` (default 1) lets a command that finished its work still say how it went, e.g. `byok integrate` exits 2
 * when some files errored: the error is the one-line reason, the code is the outcome.
 *
 * @example
 * throw new CliError('2 file(s) could not be processed', { code: 'integrate_file_errors', exitCode: 2 })
 */
export class CliError extends Error {
  readonly code: string
  readonly hint: string | undefined
  readonly exitCode: number

  constructor(
    message: string,
    options: { code?: string; hint?: string; cause?: unknown; exitCode?: number } = {},
  ) {
    super(message, { cause: options.cause })
    this.name = 'CliError'
    this.code = options.code ?? 'cli_error'
    this.hint = options.hint
    // 0 would make a failure look like success, and >125 collides with the shell's signal codes.
    const exitCode = options.exitCode ?? 1
    this.exitCode = Number.isInteger(exitCode) && exitCode >= 1 && exitCode <= 125 ? exitCode : 1
  }
}
