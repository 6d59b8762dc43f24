#!/usr/bin/env node
// `npx create-byok my-app` / `npm create byok my-app`: the same command as `byok create`.
import type { CliIo } from '../io.js'
import { runCli } from '../run-cli.js'

const io: CliIo = {
  env: process.env,
  cwd: process.cwd(),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  // Scaffolding never serves; a signal simply ends the process.
  waitForShutdown: () => new Promise(() => {}),
}

process.exitCode = await runCli(['create', ...process.argv.slice(2)], io)
process.exit()
