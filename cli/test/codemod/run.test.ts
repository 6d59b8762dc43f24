import { cpSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir, writeFiles } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { applyIntegration, type PlanProgress, planIntegration } from '../../src/codemod/run.js'
import { TRANSFORMS } from '../../src/codemod/transforms/index.js'
import type { Transform } from '../../src/codemod/types.js'
import { fixturesDir, STUB_CLIENT_VERSION, stubTemplatesDir } from './helpers.js'

const templatesDir = stubTemplatesDir()

/** Every file under `dir` (relative path → content), for "nothing else changed" checks. */
function snapshotDir(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name
    if (entry.isDirectory()) Object.assign(out, snapshotDir(dir, rel))
    else out[rel] = readFileSync(join(dir, rel), 'utf8')
  }
  return out
}

function copyFixture(name: string, dir: string): void {
  cpSync(fixturesDir('fixtures', name), dir, { recursive: true })
}

const PROVIDER_HOST = /https:\/\/(api\.openai\.com|generativelanguage\.googleapis\.com)/

describe('planIntegration / applyIntegration', () => {
  it('vite-react-openai-sdk: rewrites the SDK singleton, adds the helper, reports the leaked key by name', () =>
    withTempDir(async (dir) => {
      copyFixture('vite-react-openai-sdk', dir)
      const before = snapshotDir(dir)
      const plan = planIntegration(dir, { templatesDir })
      expect(snapshotDir(dir)).toEqual(before) // planning writes nothing
      expect(plan.framework).toBe('vite')
      expect(plan.files.map((f) => [f.path, f.status])).toEqual([
        ['src/App.tsx', 'unchanged'],
        ['src/lib/openai.ts', 'modified'],
        ['src/main.tsx', 'unchanged'],
        ['package.json', 'modified'],
        ['src/lib/byok-instance.ts', 'modified'],
        ['.env.example', 'modified'],
      ])
      expect(plan.found).toEqual([
        {
          file: 'src/lib/openai.ts',
          line: 4,
          kind: 'sdk',
          provider: 'openai',
          keySources: ['env VITE_OPENAI_API_KEY'],
        },
      ])
      expect(plan.manual).toEqual([])
      expect(plan.leakedEnvKeys).toEqual([{ file: '.env', variable: 'VITE_OPENAI_API_KEY' }])
      expect(JSON.stringify(plan)).not.toContain('sk-test-fixture')

      applyIntegration(plan)
      const after = snapshotDir(dir)
      expect(after['src/lib/openai.ts']).toBe(`import OpenAI from 'openai'
import { byok } from './byok-instance'

// One client for the whole app (E8: exported singleton)
export const openai = new OpenAI({
  apiKey: 'byok-relay',
  baseURL: byok.baseUrl('openai') + '/v1',
  fetch: byok.fetch,
  dangerouslyAllowBrowser: true,
})
`)
      expect(after['src/App.tsx']).toBe(before['src/App.tsx'])
      // The client is a dependency, not a copy: only the small instance module is written.
      expect(JSON.parse(after['package.json']!).dependencies['@byok/client']).toBe(`^${STUB_CLIENT_VERSION}`)
      expect(plan.apps).toEqual([
        {
          dir: '',
          framework: 'vite',
          role: 'app',
          relayUrlVariable: 'VITE_BYOK_RELAY_URL',
          relayUrlIsEnv: true,
          instance: 'src/lib/byok-instance.ts',
          dependency: `@byok/client@^${STUB_CLIENT_VERSION}`,
          vendored: false,
        },
      ])
      expect(after['src/lib/byok-instance.ts']).toBe(`import { createByok } from '@byok/client'

/** What the bundler inlines, typed here so no framework env types are needed. */
interface BuildEnv {
  env: { VITE_BYOK_RELAY_URL?: string }
}

const relayUrl = (import.meta as unknown as BuildEnv).env.VITE_BYOK_RELAY_URL

/** This app’s byok client: provider calls go through the relay with the user’s own key (byok integrate). */
export const byok = createByok({
  relayUrl: relayUrl ?? 'http://127.0.0.1:3000',
  appId: 'vite-react-openai-sdk',
})
`)
      expect(after['.env.example']).toContain('VITE_BYOK_RELAY_URL=')
      for (const [path, text] of Object.entries(after)) {
        if (path.startsWith('src/')) expect(text, path).not.toContain('VITE_OPENAI_API_KEY')
      }

      const again = planIntegration(dir, { templatesDir })
      expect(again.writes).toEqual([])
      expect(again.found).toEqual([])
      expect(again.files.every((f) => f.status === 'unchanged')).toBe(true)
    }))

  it('plain-fetch-gemini: strips ?key= and routes the call through the relay; the Maps call stays direct', () =>
    withTempDir(async (dir) => {
      copyFixture('plain-fetch-gemini', dir)
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.found).toEqual([
        {
          file: 'src/gemini.js',
          line: 5,
          kind: 'fetch',
          provider: 'google',
          keySources: ['env VITE_GEMINI_API_KEY'],
        },
      ])
      expect(plan.leakedEnvKeys).toEqual([{ file: '.env.local', variable: 'VITE_GEMINI_API_KEY' }])
      expect(JSON.stringify(plan)).not.toContain('AIza-fixture')
      applyIntegration(plan)
      const after = snapshotDir(dir)
      expect(after['src/gemini.js']).toBe(`import { byok } from './lib/byok-instance';
// Gemini over plain fetch, key in the query string (B4)
const MODEL_URL = 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash';

export async function generate(prompt) {
  const res = await byok.fetch(byok.relayUrlFor(\`\${MODEL_URL}:generateContent\`), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ contents: [{ parts: [{ text: prompt }] }] }),
  });
  const data = await res.json();
  return data.candidates[0].content.parts[0].text;
}
`)
      expect(after['src/maps.js']).toContain('https://maps.googleapis.com/maps/api/geocode/json')
      expect(after['src/maps.js']).not.toContain('byok')
      expect(after['.env.example']).toBe(
        'VITE_GEMINI_API_KEY=\n# The byok relay this app calls providers through (byok integrate)\nVITE_BYOK_RELAY_URL=http://127.0.0.1:3000\n',
      )
      for (const [path, text] of Object.entries(after)) {
        if (!path.startsWith('src/')) continue
        expect(text, path).not.toContain('VITE_GEMINI_API_KEY')
        // Every provider URL left in the sources is only reached through byok.relayUrlFor.
        for (const line of text.split('\n').filter((l) => /\bfetch\(/.test(l))) {
          if (PROVIDER_HOST.test(line) || line.includes('MODEL_URL'))
            expect(line).toContain('byok.fetch(byok.relayUrlFor(')
        }
      }
      const again = planIntegration(dir, { templatesDir })
      expect(again.writes).toEqual([])
    }))

  it('--only limits the transforms and reports what the skipped steps would have rewritten', () =>
    withTempDir(async (dir) => {
      copyFixture('vite-react-openai-sdk', dir)
      const onlyFetch = planIntegration(dir, { templatesDir, only: ['fetch-provider-url'] })
      expect(onlyFetch.writes).toEqual([])
      // Not rewritten by the selected steps, so reported for manual work rather than silently left.
      // The SDK client, and the key env read it holds (reported on its own line, found from the code).
      expect(onlyFetch.manual).toEqual([
        expect.objectContaining({ file: 'src/lib/openai.ts', line: 4 }),
        expect.objectContaining({
          file: 'src/lib/openai.ts',
          line: 5,
          reason: expect.stringContaining('env VITE_OPENAI_API_KEY'),
        }),
      ])
    }))

  it('refuses to write over a file that changed after planning', () =>
    withTempDir(async (dir) => {
      copyFixture('vite-react-openai-sdk', dir)
      const plan = planIntegration(dir, { templatesDir })
      const { writeFileSync } = await import('node:fs')
      writeFileSync(join(dir, 'src/lib/openai.ts'), '// edited meanwhile\n')
      expect(() => applyIntegration(plan)).toThrow(/changed since the plan/)
      expect(readFileSync(join(dir, 'src/lib/openai.ts'), 'utf8')).toBe('// edited meanwhile\n')
    }))
})

describe('planIntegration on small inline projects', () => {
  it('next: "use client" stays first, the instance reads NEXT_PUBLIC_BYOK_RELAY_URL, several sinks in one file', () =>
    withTempDir(async (dir) => {
      const { mkdirSync, writeFileSync } = await import('node:fs')
      mkdirSync(join(dir, 'app'), { recursive: true })
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: '@acme/next-chat', dependencies: { next: '15' } }),
      )
      const source = [
        '"use client";',
        '',
        'export async function both(prompt: string) {',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test
        '  const a = await fetch("https://api.openai.com/v1/responses", { method: "POST", headers: { Authorization: `Bearer ${process.env.NEXT_PUBLIC_OPENAI_API_KEY}` }, body: prompt });',
        '  const b = await fetch("https://api.anthropic.com/v1/messages", { method: "POST", headers: { "x-api-key": process.env.NEXT_PUBLIC_ANTHROPIC_API_KEY!, "anthropic-version": "2023-06-01" }, body: prompt });',
        '  return [a, b];',
        '}',
        '',
      ].join('\n')
      writeFileSync(join(dir, 'app/chat.tsx'), source)
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.framework).toBe('next')
      expect(plan.found.map((f) => [f.line, f.provider, f.keySources])).toEqual([
        [4, 'openai', ['env NEXT_PUBLIC_OPENAI_API_KEY']],
        [5, 'anthropic', ['env NEXT_PUBLIC_ANTHROPIC_API_KEY']],
      ])
      applyIntegration(plan)
      const after = readFileSync(join(dir, 'app/chat.tsx'), 'utf8')
      expect(after.split('\n').slice(0, 3)).toEqual([
        '"use client";',
        'import { byok } from "../lib/byok-instance";',
        '',
      ])
      expect(after).not.toContain('NEXT_PUBLIC_OPENAI_API_KEY')
      expect(after).not.toContain('NEXT_PUBLIC_ANTHROPIC_API_KEY')
      expect(after).toContain(
        'byok.fetch(byok.relayUrlFor("https://api.anthropic.com/v1/messages"), { method: "POST", headers: { "anthropic-version": "2023-06-01" }, body: prompt })',
      )
      const instance = readFileSync(join(dir, 'lib/byok-instance.ts'), 'utf8')
      // In the file's own style (double quotes, semicolons), reading the variable Next inlines.
      expect(instance).toContain('import { createByok } from "@byok/client";')
      expect(instance).toContain('const relayUrl = process.env.NEXT_PUBLIC_BYOK_RELAY_URL;')
      expect(instance).toContain('appId: "next-chat",')
      expect(planIntegration(dir, { templatesDir }).writes).toEqual([])
    }))

  it('an SDK no selected step rewrites is reported as manual work with its key source, never guessed', () =>
    withTempDir(async (dir) => {
      const { mkdirSync, writeFileSync } = await import('node:fs')
      mkdirSync(join(dir, 'src'))
      const source =
        "import OpenAI from 'openai'\n\nexport const ai = new OpenAI({ apiKey: import.meta.env.VITE_OPENAI_API_KEY })\n"
      writeFileSync(join(dir, 'src/ai.ts'), source)
      const plan = planIntegration(dir, { templatesDir, only: ['fetch-provider-url'] })
      expect(plan.files).toEqual([{ path: 'src/ai.ts', status: 'manual', diff: '', transforms: [] }])
      expect(plan.found[0]?.keySources).toEqual(['env VITE_OPENAI_API_KEY'])
      expect(plan.manual).toEqual([
        {
          file: 'src/ai.ts',
          line: 3,
          reason: expect.stringContaining('from openai'),
          suggestion: expect.stringContaining("byok.sdkOptions('openai')"),
        },
      ])
      expect(plan.writes).toEqual([])
    }))

  it('an SDK client whose class is loaded at run time is reported as manual work, not left silent', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'src/ask.ts':
          "const SDK_URL = 'https://esm.sh/@anthropic-ai/sdk'\n\nexport async function ask(apiKey: string) {\n" +
          '  const { default: Anthropic } = await import(/* @vite-ignore */ SDK_URL)\n' +
          '  const client = new Anthropic({ apiKey, dangerouslyAllowBrowser: true })\n' +
          "  return client.messages.create({ model: 'm', max_tokens: 8, messages: [] })\n}\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.files).toEqual([{ path: 'src/ask.ts', status: 'manual', diff: '', transforms: [] }])
      expect(plan.found).toEqual([
        expect.objectContaining({ file: 'src/ask.ts', line: 5, kind: 'sdk', provider: 'anthropic' }),
      ])
      expect(plan.manual).toEqual([
        {
          file: 'src/ask.ts',
          line: 5,
          reason: expect.stringContaining('cannot trace to its package'),
          suggestion: expect.stringContaining("byok.sdkOptions('anthropic')"),
        },
      ])
      expect(plan.writes).toEqual([])
    }))
})

describe('planIntegration: the run goes on', () => {
  const explode: Transform = {
    id: 'explode',
    title: 'throws on one file',
    apply(file) {
      if (file.getFilePath().includes('bad'))
        throw new Error('boom on purpose\n-- details a user does not need --')
      return { changes: 0, diagnostics: [] }
    },
  }

  it('one file that throws is an error with a one-line reason; the others are still planned', () =>
    withTempDir(async (dir) => {
      copyFixture('vite-react-openai-sdk', dir)
      const { writeFileSync } = await import('node:fs')
      writeFileSync(join(dir, 'src/bad.ts'), 'export const a = 1\n')
      const plan = planIntegration(dir, { templatesDir, transforms: [explode, ...TRANSFORMS] })
      expect(plan.files.find((f) => f.path === 'src/bad.ts')).toEqual({
        path: 'src/bad.ts',
        status: 'error',
        diff: '',
        transforms: [],
        error: 'boom on purpose',
      })
      // Files after the bad one (alphabetically) are planned as usual.
      expect(plan.files.find((f) => f.path === 'src/lib/openai.ts')?.status).toBe('modified')
      expect(plan.found.map((f) => f.file)).toEqual(['src/lib/openai.ts'])
    }))

  it('a file changed only by a step that never calls the helper gets no import, and no helper is added', () =>
    withTempDir(async (dir) => {
      const { writeFileSync } = await import('node:fs')
      writeFileSync(join(dir, 'vite.config.ts'), "export default { define: { 'process.env.X': '1' } }\n")
      const configOnly: Transform = {
        id: 'config-only',
        title: 'edits build config',
        usesHelper: false,
        apply(file) {
          file.replaceWithText(file.getFullText().replace(" define: { 'process.env.X': '1' } ", ' '))
          return { changes: 1, diagnostics: [] }
        },
      }
      const plan = planIntegration(dir, { templatesDir, transforms: [configOnly] })
      expect(plan.writes).toEqual([
        {
          path: 'vite.config.ts',
          before: "export default { define: { 'process.env.X': '1' } }\n",
          after: 'export default { }\n',
        },
      ])
      expect(plan.files.map((f) => [f.path, f.status, f.transforms])).toEqual([
        ['vite.config.ts', 'modified', ['config-only']],
      ])
    }))

  it('reports progress per file and skips files too large to be hand-written', () =>
    withTempDir(async (dir) => {
      copyFixture('plain-fetch-gemini', dir)
      const { writeFileSync } = await import('node:fs')
      writeFileSync(join(dir, 'src/vendor.js'), `// ${'x'.repeat(1_100_000)}\n`)
      const events: PlanProgress[] = []
      const plan = planIntegration(dir, { templatesDir, onProgress: (e) => events.push(e) })
      expect(plan.files.find((f) => f.path === 'src/vendor.js')).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining('larger than 1 MB'),
      })
      const sources = ['src/gemini.js', 'src/main.js', 'src/maps.js', 'src/vendor.js']
      expect(events[0]).toEqual({ type: 'start', total: sources.length })
      expect(events.slice(1).map((e) => (e.type === 'file' ? [e.index, e.path, e.status] : e))).toEqual([
        [0, 'src/gemini.js', 'modified'],
        [1, 'src/main.js', 'unchanged'],
        [2, 'src/maps.js', 'unchanged'],
        [3, 'src/vendor.js', 'skipped'],
      ])
    }))
})

describe('planIntegration never repeats a key value', () => {
  it('redacts a literal key in the diff it reports', () =>
    withTempDir(async (dir) => {
      const { mkdirSync, writeFileSync } = await import('node:fs')
      mkdirSync(join(dir, 'src'))
      const literal = ['sk', 'proj', 'abcdefghijklmnopqrstuvwx'].join('-')
      writeFileSync(
        join(dir, 'src/ai.ts'),
        `import OpenAI from 'openai'\nexport const ai = new OpenAI({ apiKey: '${literal}', dangerouslyAllowBrowser: true })\n`,
      )
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.files[0]?.status).toBe('modified')
      expect(plan.files[0]?.diff).toContain("-export const ai = new OpenAI({ apiKey: 'sk-proj-…[redacted]'")
      const { writes: _writes, ...report } = plan
      expect(JSON.stringify(report)).not.toContain(literal)
      expect(plan.found[0]?.keySources).toEqual(['a string literal in the source'])
    }))
})
