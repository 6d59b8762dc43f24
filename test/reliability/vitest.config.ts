import { defineProject } from 'vitest/config'

// Fault and load tests measure time (abort propagation, slow clients, backpressure): they run after everything
// else, one file at a time, so a parallel build cannot skew what they measure.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'reliability',
    include: ['**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['../setup-log-scan.ts'],
    fileParallelism: false,
    sequence: { groupOrder: 2 },
  },
})
