import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, posix } from 'node:path'
import { promisify } from 'node:util'
import { writeFiles } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../readme.js'
import { readEvalTexts, readSkillDocs, type SkillDoc } from './skill-docs.js'
import {
  checkCommands,
  checkEnvVars,
  checkErrorCatalogue,
  checkIdentifiers,
  checkLinks,
  checkRoutes,
  checkToolInputs,
  collectSnippets,
} from './sync-rules.js'
import {
  type CommandInfo,
  type EnvTruth,
  loadCommandTree,
  loadEnvTruth,
  loadErrorCodes,
  loadMcpTruth,
  type McpTruth,
  type RelayProbe,
  startRelayProbe,
} from './truth.js'

const docs = readSkillDocs()
const evals = readEvalTexts()
const fake = (text: string): SkillDoc[] => [{ path: 'fake.md', text }]

let tree: Map<string, CommandInfo>
let mcp: McpTruth
let env: EnvTruth
let relay: RelayProbe
const codes = loadErrorCodes()

beforeAll(async () => {
  ;[tree, mcp, relay] = await Promise.all([loadCommandTree(), loadMcpTruth(), startRelayProbe()])
  env = loadEnvTruth()
})
afterAll(() => relay?.close())

// Identifiers the skill may write in inline code besides tools, fields and error codes: provider request fields.
const PROVIDER_FIELDS = ['max_tokens']

function knownIdentifiers(): Set<string> {
  return new Set([
    ...mcp.tools.keys(),
    ...mcp.prompts,
    ...mcp.fields,
    ...relay.wireFields,
    ...codes.relay,
    ...codes.cli,
    ...PROVIDER_FIELDS,
  ])
}

describe('the skill names only byok commands and flags that exist', () => {
  it('SKILL.md, references and evals', () => {
    expect(checkCommands([...docs, ...evals], tree)).toEqual([])
  })

  it('catches an unknown command, a flag of another command and an invented loose flag', () => {
    const text = [
      '```bash',
      'npx byok integrat --dry-run',
      'npx -y byok doctor --dry-run',
      'npm create byok@latest app -- --templat react',
      'claude mcp add byok -- npx -y byok mcp --print-config cursor',
      '```',
      'Use `npx byok start --port 1` then `--host x`, and `--fail-on-everything`.',
    ].join('\n')
    expect(checkCommands(fake(text), tree).map((p) => p.message)).toEqual([
      'byok integrat is not a command',
      '--dry-run is not a flag of byok doctor',
      '--templat is not a flag of byok create',
      '--fail-on-everything is not a flag of byok start',
    ])
  })
})

describe('the skill names only MCP tools, fields and error codes that exist', () => {
  it('inline identifiers', () => {
    expect(checkIdentifiers([...docs, ...evals], knownIdentifiers())).toEqual([])
  })

  it('tool input tables', () => {
    expect(checkToolInputs(docs, mcp.tools)).toEqual([])
  })

  it('names every tool the server registers (with the CLI capabilities injected)', () => {
    const all = docs.map((d) => d.text).join('\n')
    expect([...mcp.tools.keys()].filter((tool) => !all.includes(`\`${tool}\``))).toEqual([])
  })

  it('catches a misspelt tool, an unknown code and a wrong tool input', () => {
    const text = [
      'Call `store_keys` then `key_env: "X"`, and handle `token_missing` and `key_expired`.',
      '',
      '| tool | input |',
      '| --- | --- |',
      '| `store_key` | `provider`, `key_name?` |',
      '| `list_all_keys` | none |',
    ].join('\n')
    const known = knownIdentifiers()
    expect(checkIdentifiers(fake(text), known).map((p) => p.message)).toEqual([
      '`store_keys` is no MCP tool, prompt, field or error code',
      '`key_expired` is no MCP tool, prompt, field or error code',
      '`key_name` is no MCP tool, prompt, field or error code',
      '`list_all_keys` is no MCP tool, prompt, field or error code',
    ])
    expect(checkToolInputs(fake(text), mcp.tools).map((p) => p.message)).toEqual([
      'store_key has no input `key_name`',
      '`list_all_keys` is not a registered MCP tool',
    ])
  })
})

describe('the skill names only environment variables byok reads', () => {
  it('SKILL.md, references and evals', () => {
    expect(checkEnvVars([...docs, ...evals], env)).toEqual([])
  })

  it('catches an invented variable but accepts provider-key names and prefix patterns', () => {
    const text =
      'Set `BYOK_SECRET_KEY` and `ENCRYPTION_SECRET`; remove VITE_OPENAI_API_KEY; any `VITE_*` value.'
    expect(checkEnvVars(fake(text), env).map((p) => p.message)).toEqual([
      'BYOK_SECRET_KEY is not an environment variable byok reads',
    ])
  })
})

describe('the skill names only relay routes that exist', () => {
  it('SKILL.md and references', async () => {
    expect(await checkRoutes(docs, relay)).toEqual([])
  })

  it('catches a route the relay does not have, and a wrong method', async () => {
    const text = 'Call POST /users, then GET /keys/openai/raw, then DELETE /health.'
    expect((await checkRoutes(fake(text), relay)).map((p) => p.message)).toEqual([
      'the relay has no route GET /keys/openai/raw',
      'the relay has no route DELETE /health',
    ])
  })
})

describe('troubleshooting.md covers the error catalogue', () => {
  const doc = docs.find((d) => d.path === 'skill/references/troubleshooting.md')!

  it('one section per relay code, and no code that does not exist', () => {
    expect(checkErrorCatalogue(doc, codes)).toEqual([])
  })

  it('catches a missing and an invented code', () => {
    const text = doc.text.replace('### `key_missing`', '### `key_lost`')
    expect(checkErrorCatalogue({ path: doc.path, text }, codes).map((p) => p.message)).toEqual([
      'relay code key_missing is not documented',
      'key_lost is neither a relay nor a CLI error code',
    ])
  })
})

describe('links', () => {
  it('every relative link in the skill resolves', () => {
    const exists = (path: string) => existsSync(join(REPO_ROOT, posix.normalize(path)))
    expect(checkLinks(docs, exists)).toEqual([])
    expect(checkLinks(fake('[x](skill/references/nope.md)'), exists)).toHaveLength(1)
  })
})

/** The declarations @byok/client publishes (its dist/, built by the package's prepare script). */
const CLIENT_TYPES = join(REPO_ROOT, 'templates', 'client', 'dist')
const TSC = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

// What Vite and Next give an app: `import.meta.env` and `process.env` (the snippets read the relay URL there).
const AMBIENT = `interface ImportMetaEnv { readonly [name: string]: string | undefined }
interface ImportMeta { readonly env: ImportMetaEnv }
declare const process: { readonly env: Readonly<Record<string, string | undefined>> }
`

/**
 * Writes each doc's ts blocks into their own app folder, then runs one strict tsc over all of them: `@byok/client`
 * resolves to the package's published declarations, SDK imports to the e2e package's node_modules (the same
 * official SDK versions the relay is tested with).
 */
async function typeCheckSnippets(
  input: readonly SkillDoc[],
): Promise<{ output: string; problems: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'byok-skill-ts-'))
  try {
    const problems: string[] = []
    for (const doc of input) {
      const { files, problems: found } = collectSnippets(doc)
      problems.push(...found.map((p) => `${p.at}: ${p.message}`))
      if (files.size === 0) continue
      const app = join(dir, basename(doc.path, '.md'))
      writeFiles(app, files)
    }
    symlinkSync(join(REPO_ROOT, 'test', 'node_modules'), join(dir, 'node_modules'), 'dir')
    writeFileSync(join(dir, 'ambient.d.ts'), AMBIENT)
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        // templates/client/tsconfig.json's options: what a user project compiles the helper with.
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          module: 'ESNext',
          moduleResolution: 'Bundler',
          strict: true,
          noUncheckedIndexedAccess: true,
          verbatimModuleSyntax: true,
          isolatedModules: true,
          skipLibCheck: true,
          types: [],
          noEmit: true,
          paths: {
            '@byok/client': [join(CLIENT_TYPES, 'index.d.ts')],
            '@byok/client/*': [join(CLIENT_TYPES, '*.d.ts')],
          },
        },
        include: ['ambient.d.ts', '*/src/**/*.ts'],
      }),
    )
    const output = await promisify(execFile)(process.execPath, [TSC, '-p', dir], { cwd: dir }).then(
      ({ stdout }) => stdout,
      (error: { stdout?: string; message: string }) => error.stdout || error.message,
    )
    return { output, problems }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('ts snippets type-check against @byok/client', () => {
  const frameworks = ['react-vite', 'next', 'vue', 'svelte', 'vanilla']

  it('every framework reference has snippets, and all of them compile', async () => {
    const refs = docs.filter((d) => d.path.startsWith('skill/references/'))
    for (const name of frameworks) {
      const doc = refs.find((d) => d.path.endsWith(`/${name}.md`))
      expect(doc, name).toBeDefined()
      expect(collectSnippets(doc!).files.size, name).toBeGreaterThan(0)
    }
    const result = await typeCheckSnippets(docs)
    expect(result.problems).toEqual([])
    expect(result.output).toBe('')
  })

  it('fails on a snippet that misuses the helper, and on a block without a file path', async () => {
    const text = [
      '```ts',
      '// file: src/bad.ts',
      "import { createByok } from '@byok/client'",
      "await createByok({ relayUrl: 'x', appId: 'y' }).relayFetch(1, '/v1/models')",
      '```',
      '```ts',
      'const x = 1',
      '```',
    ].join('\n')
    const result = await typeCheckSnippets([{ path: 'skill/references/bad.md', text }])
    expect(result.problems).toEqual([
      'skill/references/bad.md:6: a ts block must start with `// file: <path>`',
    ])
    expect(result.output).toContain('bad/src/bad.ts')
    expect(result.output).toContain('TS2345')
  })
})
