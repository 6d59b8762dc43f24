#!/usr/bin/env -S node --max-old-space-size=512 --max-semi-space-size=4
// The only place that touches `process`: build io, run, exit.
//
// The V8 flags are the `byok-relay` bin's (see its header and docs/performance.md): `byok start` serves the same
// relay and would otherwise let V8 size its heap for the machine (187–260 MB of RSS under load instead of about
// 120). A command that needs a bigger heap (integrate on a very large monorepo) can be run as
// `node --max-old-space-size=4096 "$(command -v byok)" …`.
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
