/** Thrown anywhere in the CLI; only the bin prints it (message, then hint) and sets the exit code. */
export class CliError extends Error {
  readonly code: string
  readonly hint: string | undefined

  constructor(message: string, options: { code?: string; hint?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause })
    this.name = 'CliError'
    this.code = options.code ?? 'cli_error'
    this.hint = options.hint
  }
}
