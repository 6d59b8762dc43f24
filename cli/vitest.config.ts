import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'cli',
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // One embedded Postgres per run for the commands that work on Postgres (migrate, usage, start): the relay
    // suite's setup, with its migrated template database.
    globalSetup: ['../relay/test/support/postgres-global-setup.ts'],
  },
})
