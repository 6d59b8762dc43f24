import { defineProject } from 'vitest/config'

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'mcp',
    include: ['test/**/*.test.ts'],
    // eventsource-parser (imported by the SDK's HTTP client, used in http.test.ts) exports TypeScript under our
    // `source` condition. Inlining the SDK and it makes vite compile that file instead of handing .ts to Node.
    server: { deps: { inline: [/@modelcontextprotocol\/sdk/, 'eventsource-parser'] } },
  },
})
