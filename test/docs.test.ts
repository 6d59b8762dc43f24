// The reference docs against the code: every configuration variable the relay reads and every route it serves has
// exactly one entry in relay/README.md, every `byok` command exactly one in cli/README.md, and every package ships
// only files that exist. Cheap: one in-memory relay through `inject`, the command tree read without running it.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type AppDeps, buildApp, loadConfig, openSqliteStore } from '@byok/relay'
import { beforeAll, describe, expect, it } from 'vitest'
import { CONFIG_VARIABLES } from '../relay/src/config.js'
import { REPO_ROOT } from './readme.js'
import { loadCommandTree } from './skill/truth.js'

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')

/** The text under `## <title>` up to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const lines = markdown.split('\n')
  const start = lines.indexOf(`## ${title}`)
  if (start < 0) throw new Error(`no "## ${title}" section`)
  const rest = lines.slice(start + 1)
  const end = rest.findIndex((line) => line.startsWith('## '))
  return rest.slice(0, end < 0 ? undefined : end).join('\n')
}

/** The first cell of every table row (header and separator rows included; callers match what they look for). */
function firstCells(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) => line.split('|')[1]!.trim())
}

/** How many times each entry occurs. */
function tally(entries: string[]): Map<string, number> {
  const counts = new Map<string, number>()
  for (const entry of entries) counts.set(entry, (counts.get(entry) ?? 0) + 1)
  return counts
}

const importUntyped = (url: URL): Promise<Record<string, unknown>> => import(url.href)

describe('relay/README.md', () => {
  const readme = read('relay/README.md')

  describe('## Configuration: one table row per variable loadConfig reads', () => {
    // `<ID>_BASE_URL` stands for the per-provider overrides (one row, not one per provider).
    const expected = [...CONFIG_VARIABLES, '<ID>_BASE_URL']
    const documented = tally(
      firstCells(section(readme, 'Configuration')).flatMap(
        (cell) => cell.match(/^`([A-Z<][A-Z0-9_<>]*)`$/)?.[1] ?? [],
      ),
    )

    it.each(expected)('%s', (variable) => {
      expect(documented.get(variable) ?? 0).toBe(1)
    })

    it('documents no variable the relay does not read', () => {
      expect([...documented.keys()].filter((name) => !expected.includes(name))).toEqual([])
    })
  })

  describe('## HTTP API: one table row per route in the OpenAPI document', () => {
    let routes: string[] = []
    const ROUTE = /`((?:GET|POST|PUT|PATCH|DELETE)(?:, (?:GET|POST|PUT|PATCH|DELETE))*) (\/[^`\s]*)`/g
    // A row's first cell names one or more routes: `POST /users`, `GET, POST, PUT, PATCH, DELETE /relay/:provider/*`.
    const documented = tally(
      firstCells(section(readme, 'HTTP API')).flatMap((cell) =>
        [...cell.matchAll(ROUTE)].flatMap((m) => m[1]!.split(', ').map((method) => `${method} ${m[2]}`)),
      ),
    )

    beforeAll(async () => {
      // Every optional route on: APP_SECRET (operator stats), METRICS_TOKEN (/metrics), MCP_HTTP (/mcp), the skill.
      const config = loadConfig({
        ENCRYPTION_SECRET: 'docs-test-encryption-secret-0123456789',
        APP_SECRET: 'docs-test-app-secret',
        METRICS_TOKEN: 'docs-test-metrics-token',
        MCP_HTTP: 'on',
        LOG_LEVEL: 'silent',
      })
      const { createMcpRoutes } = await importUntyped(new URL('../mcp/src/index.ts', import.meta.url))
      const app = await buildApp(config, {
        store: openSqliteStore(':memory:'),
        mcpRoutes: (createMcpRoutes as () => AppDeps['mcpRoutes'])(),
        skill: { markdown: '# skill\n' },
      })
      try {
        const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
          paths: Record<string, Record<string, unknown>>
        }
        // OpenAPI's `/relay/{provider}/{*}` is Fastify's `/relay/:provider/*`, the spelling the README uses.
        routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
          Object.keys(methods).map(
            (method) =>
              `${method.toUpperCase()} ${path.replace(/\{\*\}/g, '*').replace(/\{([^}]+)\}/g, ':$1')}`,
          ),
        )
      } finally {
        await app.close()
      }
    })

    it('the OpenAPI document lists the routes', () => {
      expect(routes).toContain('POST /users')
      expect(routes).toContain('POST /mcp')
      expect(routes).toContain('GET /metrics')
    })

    it('documents every route exactly once', () => {
      const wrong = routes.filter((route) => documented.get(route) !== 1)
      expect(wrong.map((route) => `${route}: ${documented.get(route) ?? 0} rows`)).toEqual([])
    })

    it('documents no route the relay does not serve', () => {
      expect([...documented.keys()].filter((route) => !routes.includes(route))).toEqual([])
    })
  })
})

describe('cli/README.md ## Commands: one ### heading per byok command', () => {
  let commands: string[] = []
  // `### \`byok create [dir]\` / …` → `create`; a command with subcommands is documented per subcommand.
  const headings = [...section(read('cli/README.md'), 'Commands').matchAll(/^### `byok ([^`]*)`/gm)].map(
    (m) => m[1]!,
  )

  beforeAll(async () => {
    const tree = await loadCommandTree()
    commands = [...tree.entries()]
      .filter(([name]) => name !== '')
      .flatMap(([name, info]) =>
        info.subCommands.size ? [...info.subCommands].map((s) => `${name} ${s}`) : [name],
      )
  })

  function documentedCommand(heading: string): string {
    const [first = '', second] = heading.split(' ')
    return second !== undefined && commands.includes(`${first} ${second}`) ? `${first} ${second}` : first
  }

  it('the command tree has the commands', () => {
    expect(commands).toEqual(expect.arrayContaining(['dev', 'start', 'integrate', 'mcp']))
  })

  it('documents every command exactly once', () => {
    const documented = tally(headings.map(documentedCommand))
    expect(
      commands.filter((c) => documented.get(c) !== 1).map((c) => `${c}: ${documented.get(c) ?? 0}`),
    ).toEqual([])
  })

  it('documents no command the CLI does not have', () => {
    expect(headings.map(documentedCommand).filter((c) => !commands.includes(c))).toEqual([])
  })
})

describe('package.json "files" entries exist', () => {
  const PACKAGES = ['relay', 'mcp', 'cli', 'cli/create-byok', 'templates/client']
  // Made by `prepack`, so absent in a checkout: `dist` (each package's build) and the CLI's copies of the
  // repository's templates/ and skill/ (scripts/bundle-assets.mjs). For those, what they are made from must exist;
  // test/packaging/packed.test.ts packs the packages and checks what the tarballs hold.
  const BUILT = new Set(['dist'])
  const BUNDLED: Record<string, readonly string[]> = { cli: ['templates', 'skill'] }

  describe.each(PACKAGES)('%s', (pkg) => {
    const manifest = JSON.parse(read(`${pkg}/package.json`)) as {
      files: string[]
      scripts?: Record<string, string>
      bin?: Record<string, string>
    }

    it.each(manifest.files.filter((f) => !BUILT.has(f) && !BUNDLED[pkg]?.includes(f)))('%s', (entry) => {
      expect(existsSync(join(REPO_ROOT, pkg, entry)), `${pkg}/${entry}`).toBe(true)
    })

    if (manifest.files.includes('dist')) {
      it('dist: prepack builds it, and every bin in it has its source', () => {
        expect(manifest.scripts?.prepack).toBeTruthy()
        for (const bin of Object.values(manifest.bin ?? {})) {
          const source = bin.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')
          expect(existsSync(join(REPO_ROOT, pkg, source)), `${pkg}: ${bin} ← ${source}`).toBe(true)
        }
      })
    }

    for (const entry of BUNDLED[pkg] ?? []) {
      it(`${entry}: copied in by prepack from the repository's ${entry}/`, () => {
        expect(manifest.scripts?.prepack).toContain('bundle-assets.mjs')
        expect(read(`${pkg}/scripts/bundle-assets.mjs`)).toContain(`'${entry}'`)
        expect(existsSync(join(REPO_ROOT, entry))).toBe(true)
      })
    }
  })
})
