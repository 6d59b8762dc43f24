import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'relay',
    include: ['test/**/*.test.ts'],
    // Timeout and connection-guard tests measure time: one file at a time, after the e2e builds.
    fileParallelism: false,
    sequence: { groupOrder: 1 },
  },
})
