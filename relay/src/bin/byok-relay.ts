#!/usr/bin/env -S node --max-old-space-size=512 --max-semi-space-size=4
// Production entry for operators who install only @byok/relay (systemd, Docker). `byok start` does the same.
//
// The V8 flags above are measured, not folklore (`pnpm bench`): without a heap cap V8 sizes its heap for the
// machine (about 4 GB here) and lets the old generation grow to 150–190 MB of RSS under c=64 load although under
// 20 MB of it is live; with them the relay peaks around 120 MB at the same throughput. A 4 MB semi-space rather
// than 8 saves about 10 MB of peak RSS and no measurable work (instructions per call within the 1–3 % noise of
// `pnpm bench:instructions`). 512 MB still leaves room for thousands of open streams. `env -S` needs coreutils ≥ 8.30 or macOS; elsewhere (BusyBox) run
// `node --max-old-space-size=512 --max-semi-space-size=4 <this file>`.
import { loadConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import { startRelay, withEnvFile } from '../server.js'
import { describePostgresUrl, StoreUnavailableError } from '../store/postgres-connect.js'
import { RELAY_VERSION } from '../version.js'

try {
  const config = loadConfig(withEnvFile(process.env, '.env'), { mode: 'production' })
  const relay = await startRelay(config)
  console.log(
    `byok relay ${RELAY_VERSION} listening on ${relay.url} (production mode, store ${config.store.postgresUrl === undefined ? config.store.path : `postgres ${describePostgresUrl(config.store.postgresUrl)}`})`,
  )
  let closing = false
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) process.exit(1)
      closing = true
      relay.close().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    })
  }
} catch (error) {
  const reason =
    error instanceof ConfigError
      ? `invalid configuration: ${error.message}`
      : error instanceof StoreUnavailableError
        ? error.message
        : String(error)
  console.error(`byok-relay: ${reason}`)
  process.exit(1)
}
