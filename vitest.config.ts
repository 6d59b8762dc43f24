import { defineConfig } from 'vitest/config'

// Workspace packages export their TypeScript sources under the `source` condition,
// so tests run against src/ without a build step.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: ['relay', 'mcp', 'cli', 'test'],
  },
})
