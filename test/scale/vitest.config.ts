import { defineProject } from 'vitest/config'

// Several relay processes sharing one database and one Redis. They start child processes and measure how fast a
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
    fileParallelism: false,
    sequence: { groupOrder: 3 },
  },
})
