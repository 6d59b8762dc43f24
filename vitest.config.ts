import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript sources under the `source` condition,
// so tests run against src/ without a build step.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    // Two test files at a time (Vitest would otherwise use one worker on a 2-core machine): most e2e time is spent
    // waiting on child processes (npm, vite, tsc, Chromium), so two files keep both cores busy. Suites that assert
    // timings run afterwards, one file at a time (relay: groupOrder 1, test/reliability: groupOrder 2,
    // test/scale: groupOrder 3).
    maxWorkers: 2,
    projects: ['mcp', 'cli', 'test', 'relay', 'test/reliability', 'test/scale'],
  },
})
