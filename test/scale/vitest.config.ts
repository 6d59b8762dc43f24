import { defineProject } from 'vitest/config'

// Several relay processes sharing one database (SQLite or Postgres) and one Redis. They start child processes and measure how fast a
// revocation reaches the other instance, so they run after everything else, one file at a time.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'scale',
    include: ['**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['../setup-log-scan.ts'],
    // The Postgres variant: one embedded Postgres cluster per run (@byok/test-kit/postgres).
    globalSetup: ['./postgres-global-setup.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 3 },
  },
})
