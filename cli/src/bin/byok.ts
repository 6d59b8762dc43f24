#!/usr/bin/env node
// The only place that touches `process`: build io, run, exit.
import type { CliIo } from '../io.js'
import { runCli } from '../run-cli.js'

// Listen for signals from the first moment, so a signal that arrives during start-up still means "graceful stop".
const shutdown = new Promise<string>((resolve) => {
  let received = false
  const onSignal = (signal: NodeJS.Signals) => {
    // A second signal means "now": skip the graceful wait.
    if (received) process.exit(130)
    received = true
    resolve(signal)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
})

const io: CliIo = {
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  waitForShutdown: () => shutdown,
}

process.exitCode = await runCli(process.argv.slice(2), io)
// Commands that do not serve (help, errors) must not wait for a signal that never comes.
process.exit()
