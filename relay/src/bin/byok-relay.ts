#!/usr/bin/env node
// Production entry for operators who install only @byok/relay (systemd, Docker). `byok start` does the same.
import { loadConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import { startRelay, withEnvFile } from '../server.js'
import { RELAY_VERSION } from '../version.js'

try {
  const config = loadConfig(withEnvFile(process.env, '.env'), { mode: 'production' })
  const relay = await startRelay(config)
  console.log(
    `byok relay ${RELAY_VERSION} listening on ${relay.url} (production mode, store ${config.store.path})`,
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
  console.error(
    `byok-relay: ${error instanceof ConfigError ? `invalid configuration: ${error.message}` : String(error)}`,
  )
  process.exit(1)
}
