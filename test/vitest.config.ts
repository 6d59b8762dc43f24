import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'e2e',
    include: ['**/*.test.ts'],
    // test/reliability and test/scale are their own projects (timing-sensitive, run alone after the rest).
    exclude: ['**/node_modules/**', 'reliability/**', 'scale/**'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    setupFiles: ['./setup-log-scan.ts'],
  },
})
