export { CliError } from './errors.js'
export type { CliIo } from './io.js'
export { createMainCommand } from './main.js'
export { runCli } from './run-cli.js'
