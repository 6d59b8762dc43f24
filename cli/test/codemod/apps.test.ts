// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are source code under test
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { withTempDir, writeFiles } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { applyIntegration, planIntegration } from '../../src/codemod/run.js'
import { STUB_CLIENT_VERSION, stubTemplatesDir } from './helpers.js'

const templatesDir = stubTemplatesDir()

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8')

/** A browser-side SDK client every app below also has, so each plan has something to rewrite. */
const CLIENT_SDK =
  "import OpenAI from 'openai'\nexport const ai = new OpenAI({ apiKey: import.meta.env.VITE_OPENAI_API_KEY, dangerouslyAllowBrowser: true })\n"
const SERVER_SDK =
  "import OpenAI from 'openai'\nconst openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY })\nexport const run = (m) => openai.chat.completions.create(m)\n"
const SERVER_FETCH =
  "export const run = (body) => fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', headers: { Authorization: `Bearer ${process.env.OPENAI_API_KEY}` }, body })\n"

/** Plans, applies, re-plans: the second plan writes nothing, and the server file is byte-identical. */
function integrate(dir: string, serverFile: string) {
  const before = read(dir, serverFile)
  const plan = planIntegration(dir, { templatesDir })
  applyIntegration(plan)
  expect(read(dir, serverFile), serverFile).toBe(before)
  expect(planIntegration(dir, { templatesDir }).writes).toEqual([])
  return plan
}

describe('server code is never rewritten (must-not-touch per shape), and is listed as fine', () => {
  const dep = (name: string) => `{"name":"app","dependencies":{"${name}":"1"}}\n`
  it.each([
    ['Next pages/api route', dep('next'), 'pages/api/chat.ts', SERVER_FETCH, 'lib/ai.ts'],
    ['Next app route handler', dep('next'), 'src/app/api/chat/route.ts', SERVER_SDK, 'src/lib/ai.ts'],
    ['Next middleware', dep('next'), 'middleware.ts', SERVER_FETCH, 'lib/ai.ts'],
    ['a "use server" module', dep('next'), 'app/actions.ts', `'use server'\n${SERVER_SDK}`, 'lib/ai.ts'],
    [
      'a Worker (export default { fetch })',
      dep('vite'),
      'worker/index.ts',
      `export default {\n  async fetch(request: Request) {\n    return fetch('https://api.openai.com/v1/models', { headers: { Authorization: 'Bearer ' + KEY } })\n  },\n}\n`,
      'src/ai.ts',
    ],
    ['the wrangler.toml main entry', dep('vite'), 'src/edge.ts', SERVER_FETCH, 'src/ai.ts'],
    ['a Netlify function', dep('vite'), 'netlify/functions/chat.ts', SERVER_FETCH, 'src/ai.ts'],
    ['a Vercel function (api/ at the root)', dep('vite'), 'api/chat.ts', SERVER_SDK, 'src/ai.ts'],
    [
      'an Express server in a Vite app',
      dep('vite'),
      'src/server.ts',
      `import express from 'express'\n${SERVER_SDK}`,
      'src/ai.ts',
    ],
    ['SvelteKit +server.ts', dep('@sveltejs/kit'), 'src/routes/api/+server.ts', SERVER_SDK, 'src/lib/ai.ts'],
    [
      'SvelteKit +page.server.ts',
      dep('@sveltejs/kit'),
      'src/routes/+page.server.ts',
      SERVER_FETCH,
      'src/lib/ai.ts',
    ],
    ['SvelteKit hooks.server.ts', dep('@sveltejs/kit'), 'src/hooks.server.ts', SERVER_FETCH, 'src/lib/ai.ts'],
    ['Nuxt server/', dep('nuxt'), 'server/api/chat.ts', SERVER_SDK, 'composables/ai.ts'],
    ['an Astro endpoint', dep('astro'), 'src/pages/api/chat.ts', SERVER_SDK, 'src/lib/ai.ts'],
  ])('%s', (_name, packageJson, serverFile, serverSource, clientFile) =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': packageJson,
        'tsconfig.json': '{}\n',
        [serverFile]: serverSource,
        [clientFile]: CLIENT_SDK,
        ...(serverFile === 'src/edge.ts' ? { 'wrangler.toml': 'name = "edge"\nmain = "src/edge.ts"\n' } : {}),
      })
      const plan = integrate(dir, serverFile)
      expect(plan.serverSide.map((s) => [s.file, s.provider])).toEqual([[serverFile, 'openai']])
      expect(plan.files.find((f) => f.path === serverFile)).toMatchObject({
        status: 'unchanged',
        server: expect.any(String),
      })
      expect(plan.manual.filter((m) => m.file === serverFile)).toEqual([])
      // The browser file of the same app is still rewritten.
      expect(read(dir, clientFile)).toContain('byok.fetch')
    }),
  )
})

describe('a module only server code imports is server code (classified by the import graph)', () => {
  const next = { 'package.json': '{"name":"app","dependencies":{"next":"15"}}\n', 'tsconfig.json': '{}\n' }
  const route =
    "import { run } from '@/lib/openai-server'\nexport default async function handler(req, res) {\n  res.json(await run(req.body))\n}\n"

  it('must not touch lib/openai-server.ts imported only by pages/api (listed as server-side, fine)', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        ...next,
        'pages/api/chat.ts': route,
        'lib/openai-server.ts': SERVER_SDK,
        'lib/ai.ts': CLIENT_SDK,
      })
      const plan = integrate(dir, 'lib/openai-server.ts')
      expect(plan.serverSide.map((s) => s.file)).toEqual(['lib/openai-server.ts'])
      expect(plan.files.find((f) => f.path === 'lib/openai-server.ts')?.server).toMatch(
        /imported only by server code \(pages\/api\/chat\.ts\)/,
      )
      expect(read(dir, 'lib/ai.ts')).toContain('byok.fetch')
    }))

  it('rewrites a module that a page imports too (a direct import, or one through an alias)', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        ...next,
        'pages/api/chat.ts': route,
        'lib/openai-server.ts': CLIENT_SDK,
        'pages/index.tsx': "import { ai } from '../lib/openai-server'\nexport default () => String(ai)\n",
        'lib/other.ts': CLIENT_SDK,
        'pages/api/other.ts': "import { ai } from '../../lib/other'\nexport default () => ai\n",
        'pages/about.tsx': "import { ai } from '@/lib/other'\nexport default () => String(ai)\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      applyIntegration(plan)
      expect(plan.serverSide).toEqual([])
      expect(read(dir, 'lib/openai-server.ts')).toContain('byok.fetch')
      expect(read(dir, 'lib/other.ts')).toContain('byok.fetch')
    }))
})

describe('monorepos: each app package gets its own instance, dependency and relay URL variable', () => {
  it('pnpm/turbo layout: a Vite web app, a Next app and an Express API', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': '{"name":"mono","private":true,"devDependencies":{"turbo":"2"}}\n',
        'pnpm-workspace.yaml': 'packages:\n  - apps/*\n',
        'apps/web/package.json':
          '{\n  "name": "@acme/web",\n  "devDependencies": {\n    "vite": "7"\n  }\n}\n',
        'apps/web/tsconfig.json': '{}\n',
        'apps/web/src/ai.ts': CLIENT_SDK,
        'apps/site/package.json': '{"name":"site","dependencies":{"next":"16","react":"19"}}\n',
        'apps/site/app/chat.tsx':
          '"use client";\nexport const ask = (k: string) => fetch("https://api.anthropic.com/v1/messages", { headers: { "x-api-key": k } });\n',
        'apps/api/package.json': '{"name":"api","dependencies":{"express":"5","openai":"6"}}\n',
        'apps/api/src/index.js': SERVER_SDK,
      })
      const plan = integrate(dir, 'apps/api/src/index.js')
      expect(plan.apps).toEqual([
        {
          dir: 'apps/site',
          framework: 'next',
          role: 'app',
          relayUrlVariable: 'NEXT_PUBLIC_BYOK_RELAY_URL',
          relayUrlIsEnv: true,
          instance: 'apps/site/lib/byok-instance.ts',
          dependency: `@byok/client@^${STUB_CLIENT_VERSION}`,
          vendored: false,
        },
        {
          dir: 'apps/web',
          framework: 'vite',
          role: 'app',
          relayUrlVariable: 'VITE_BYOK_RELAY_URL',
          relayUrlIsEnv: true,
          instance: 'apps/web/src/lib/byok-instance.ts',
          dependency: `@byok/client@^${STUB_CLIENT_VERSION}`,
          vendored: false,
        },
      ])
      expect(read(dir, 'apps/web/src/ai.ts')).toContain("import { byok } from './lib/byok-instance'")
      expect(read(dir, 'apps/site/app/chat.tsx')).toContain('import { byok } from "../lib/byok-instance";')
      expect(JSON.parse(read(dir, 'apps/web/package.json'))).toEqual({
        name: '@acme/web',
        dependencies: { '@byok/client': `^${STUB_CLIENT_VERSION}` },
        devDependencies: { vite: '7' },
      })
      expect(read(dir, 'apps/web/.env.example')).toContain('VITE_BYOK_RELAY_URL=')
      expect(read(dir, 'apps/site/.env.example')).toContain('NEXT_PUBLIC_BYOK_RELAY_URL=')
      // Nothing goes to the repository root or the server package.
      expect(read(dir, 'package.json')).not.toContain('@byok/client')
      expect(read(dir, 'apps/api/package.json')).not.toContain('@byok/client')
      expect(plan.writes.some((w) => w.path.startsWith('apps/api/') || !w.path.startsWith('apps/'))).toBe(
        false,
      )
      expect(plan.serverSide.map((s) => s.file)).toEqual(['apps/api/src/index.js'])
    }))

  it('a shared package no app owns is reported, not rewritten', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': '{"name":"mono","private":true,"workspaces":["packages/*"]}\n',
        'packages/ai/package.json': '{"name":"@acme/ai","dependencies":{"openai":"6"}}\n',
        'packages/ai/src/index.ts': CLIENT_SDK,
      })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.writes).toEqual([])
      expect(plan.manual).toEqual([
        expect.objectContaining({
          file: 'packages/ai/src/index.ts',
          line: 2,
          reason: expect.stringContaining('a package no app owns'),
        }),
      ])
    }))
})

describe('--vendor and apps without a bundler get the compiled client file', () => {
  it('--vendor copies byok.js + byok.d.ts next to the instance and adds no dependency', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': '{"name":"v","devDependencies":{"vite":"7","typescript":"5"}}\n',
        'src/ai.ts': CLIENT_SDK,
      })
      const plan = planIntegration(dir, { templatesDir, vendor: true })
      applyIntegration(plan)
      expect(plan.apps[0]).toMatchObject({ vendored: true, instance: 'src/lib/byok-instance.ts' })
      expect(plan.apps[0]?.dependency).toBeUndefined()
      expect(read(dir, 'package.json')).not.toContain('@byok/client')
      expect(read(dir, 'src/lib/vendor/byok.js')).toBe('// stub byok.js\n')
      expect(read(dir, 'src/lib/vendor/byok.d.ts')).toBe('// stub byok.d.ts\n')
      expect(read(dir, 'src/lib/byok-instance.ts')).toContain("import { createByok } from './vendor/byok.js'")
      expect(planIntegration(dir, { templatesDir, vendor: true }).writes).toEqual([])
    }))
})

describe('classic scripts never get an import', () => {
  it('static site: a page loading a classic app.js gets the classic client in front of it', () =>
    withTempDir(async (dir) => {
      const page =
        '<!doctype html>\n<html>\n  <body>\n    <button onclick="ask()">Ask</button>\n    <script src="js/app.js"></script>\n  </body>\n</html>\n'
      writeFiles(dir, {
        'index.html': page,
        'js/app.js':
          "var API_URL = 'https://openrouter.ai/api/v1/chat/completions'\nfunction ask() {\n  return fetch(API_URL, { method: 'POST', headers: { Authorization: 'Bearer ' + localStorage.getItem('key') } })\n}\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      applyIntegration(plan)
      expect(plan.files.map((f) => [f.path, f.status])).toEqual([
        ['index.html', 'modified'],
        ['js/app.js', 'modified'],
        ['lib/vendor/byok.global.js', 'modified'],
        ['lib/byok-instance.global.js', 'modified'],
      ])
      // Still a classic script (its functions stay globals for onclick=): no import, the global `byok` instead.
      expect(read(dir, 'js/app.js')).toBe(
        "var API_URL = 'https://openrouter.ai/api/v1/chat/completions'\nfunction ask() {\n  return byok.fetch(byok.relayUrlFor(API_URL), { method: 'POST' })\n}\n",
      )
      expect(read(dir, 'index.html')).toBe(
        page.replace(
          '    <script src="js/app.js">',
          '    <script src="./lib/vendor/byok.global.js"></script>\n    <script src="./lib/byok-instance.global.js"></script>\n    <script src="js/app.js">',
        ),
      )
      expect(read(dir, 'lib/byok-instance.global.js')).toContain('var byok = byokClient.createByok({')
      expect(planIntegration(dir, { templatesDir }).writes).toEqual([])
    }))

  it('a Vite page: an inline classic script is reported, never given an import', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': '{"name":"v","devDependencies":{"vite":"7"}}\n',
        'index.html':
          "<script>\n  fetch('https://api.openai.com/v1/chat/completions', { headers: { Authorization: 'Bearer ' + window.KEY } })\n</script>\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.writes).toEqual([])
      expect(plan.manual).toEqual([
        expect.objectContaining({
          file: 'index.html',
          line: 2,
          reason: expect.stringContaining('classic <script>'),
        }),
      ])
    }))
})

describe('browser extensions (MV3, no bundler)', () => {
  it('module pages are rewritten; the classic service worker and the provider host permission are manual work', () =>
    withTempDir(async (dir) => {
      const call = (name: string) =>
        `export async function ${name}(k) {\n  return fetch('https://api.anthropic.com/v1/messages', { method: 'POST', headers: { 'x-api-key': k } })\n}\n`
      writeFiles(dir, {
        'manifest.json': JSON.stringify(
          {
            manifest_version: 3,
            name: 'ext',
            background: { service_worker: 'background.js' },
            action: { default_popup: 'popup.html' },
            host_permissions: ['https://api.anthropic.com/*'],
          },
          null,
          2,
        ),
        'popup.html': '<script type="module" src="popup.js"></script>\n',
        'popup.js': "import { ask } from './shared/ai.js'\nask('k')\n",
        'shared/ai.js': call('ask'),
        'background.js':
          "self.onmessage = (k) =>\n  fetch('https://api.anthropic.com/v1/messages', { method: 'POST', headers: { 'x-api-key': k } })\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.framework).toBe('extension')
      expect(plan.writes.map((w) => w.path).sort()).toEqual([
        'lib/byok-instance.js',
        'lib/vendor/byok.js',
        'shared/ai.js',
      ])
      expect(plan.writes.find((w) => w.path === 'shared/ai.js')?.after).toContain(
        "import { byok } from '../lib/byok-instance.js'",
      )
      expect(plan.manual.map((m) => [m.file, m.line])).toEqual([
        ['background.js', 2],
        ['manifest.json', 11],
      ])
      expect(plan.manual[0]?.reason).toContain('classic script')
      expect(plan.manual[1]?.reason).toContain('https://api.anthropic.com/*')
    }))
})

describe('a TypeScript extension compiled by plain tsc (no bundler)', () => {
  /** An MV3 popup whose one source calls Anthropic, with the given tsconfig options. */
  const extension = (source: string, tsconfig: object) => ({
    'manifest.json': JSON.stringify({
      manifest_version: 3,
      name: 'ext',
      action: { default_popup: 'popup.html' },
    }),
    'tsconfig.json': JSON.stringify({ compilerOptions: tsconfig }),
    'popup.html': '<script type="module" src="popup.js"></script>\n',
    [source]: `export const ask = (k${source.endsWith('.ts') ? ': string' : ''}) =>\n  fetch('https://api.anthropic.com/v1/messages', { method: 'POST', headers: { 'x-api-key': k } })\n`,
  })

  it('gets a .ts instance imported as .js, and the vendored byok.js with byok.d.ts beside it (no TS7016)', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, extension('src/popup.ts', { strict: true, outDir: 'dist', module: 'es2022' }))
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.writes.map((w) => w.path).sort()).toEqual([
        'src/lib/byok-instance.ts',
        'src/lib/vendor/byok.d.ts',
        'src/lib/vendor/byok.js',
        'src/popup.ts',
      ])
      const after = (path: string) => plan.writes.find((w) => w.path === path)?.after
      expect(after('src/popup.ts')).toContain("import { byok } from './lib/byok-instance.js'")
      expect(after('src/lib/byok-instance.ts')).toContain("from './vendor/byok.js'")
    }))

  it('must not switch a JavaScript extension with a tsconfig (type-checked JS) to a .ts instance', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, extension('popup.js', { checkJs: true, noEmit: true }))
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.writes.map((w) => w.path).sort()).toEqual([
        'lib/byok-instance.js',
        'lib/vendor/byok.js',
        'popup.js',
      ])
    }))
})

describe('a parameter that only carried the key does not stay unused (noUnusedParameters, no-unused-vars)', () => {
  it('is removed with the argument at every call, here and in importing files; a key const left unused goes too', () =>
    withTempDir(async (dir) => {
      writeFiles(dir, {
        'package.json': '{"name":"p","devDependencies":{"vite":"7","typescript":"5"}}\n',
        'src/lib/ai.ts':
          "import OpenAI from 'openai'\n\nexport function createClient(model: string, apiKey: string) {\n  return { model, ai: new OpenAI({ apiKey, dangerouslyAllowBrowser: true }) }\n}\n\nexport const fallback = () => createClient('gpt-4o-mini', localStorage.getItem('k') ?? '')\n",
        'src/App.ts':
          "import { createClient as make } from './lib/ai'\n\nconst key = import.meta.env.VITE_OPENAI_API_KEY\nexport const client = make('gpt-4o', key)\n",
        // Passed around by reference: its arity may matter to a caller the codemod cannot see, so it stays.
        'src/other.ts':
          "import OpenAI from 'openai'\n\nconst build = (apiKey: string) => new OpenAI({ apiKey, dangerouslyAllowBrowser: true })\nexport const factories = [build]\n",
      })
      const plan = planIntegration(dir, { templatesDir })
      applyIntegration(plan)
      expect(read(dir, 'src/lib/ai.ts')).toContain('export function createClient(model: string) {')
      expect(read(dir, 'src/lib/ai.ts')).toContain(
        "export const fallback = () => createClient('gpt-4o-mini')\n",
      )
      expect(read(dir, 'src/App.ts')).toBe(
        "import { createClient as make } from './lib/ai'\n\nexport const client = make('gpt-4o')\n",
      )
      expect(read(dir, 'src/other.ts')).toContain('const build = (apiKey: string) =>')
      expect(planIntegration(dir, { templatesDir }).writes).toEqual([])
    }))
})

describe('Astro components', () => {
  it('a bundled <script> is rewritten, an is:inline one is reported, the frontmatter (server) is never touched', () =>
    withTempDir(async (dir) => {
      const frontmatter =
        "---\nconst r = await fetch('https://api.openai.com/v1/models', { headers: { Authorization: `Bearer ${import.meta.env.OPENAI_API_KEY}` } })\n---\n"
      writeFiles(dir, {
        'package.json': '{"name":"site","dependencies":{"astro":"5"}}\n',
        'src/components/Chat.astro': `${frontmatter}<button id="go">Go</button>\n<script>\n  const key = localStorage.getItem('openai_key')\n  document.getElementById('go')!.onclick = () =>\n    fetch('https://api.openai.com/v1/chat/completions', { method: 'POST', headers: { Authorization: \`Bearer \${key}\` } })\n</script>\n<script is:inline>\n  fetch('https://api.openai.com/v1/models', { headers: { Authorization: 'Bearer ' + window.KEY } })\n</script>\n`,
      })
      const plan = planIntegration(dir, { templatesDir })
      applyIntegration(plan)
      const after = read(dir, 'src/components/Chat.astro')
      expect(after.startsWith(frontmatter)).toBe(true)
      expect(after).toContain(
        "<script>\n  import { byok } from '../lib/byok-instance'\n  document.getElementById('go')!.onclick = () =>\n    byok.fetch(byok.relayUrlFor('https://api.openai.com/v1/chat/completions'), { method: 'POST' })\n</script>",
      )
      expect(plan.manual).toEqual([
        expect.objectContaining({
          file: 'src/components/Chat.astro',
          line: 11,
          reason: expect.stringContaining('classic'),
        }),
      ])
      expect(read(dir, 'src/lib/byok-instance.js')).toContain('import.meta.env.PUBLIC_BYOK_RELAY_URL')
      expect(planIntegration(dir, { templatesDir }).writes).toEqual([])
    }))
})

describe('build configs that inline a provider key into the bundle are reported', () => {
  it.each([
    [
      'next.config.mjs',
      '{"dependencies":{"next":"16"}}',
      'export default {\n  env: { OPENAI_API_KEY: process.env.OPENAI_API_KEY },\n}\n',
    ],
    [
      'webpack.config.js',
      '{"dependencies":{"webpack":"5"}}',
      "const webpack = require('webpack')\nmodule.exports = {\n  plugins: [new webpack.DefinePlugin({ KEY: JSON.stringify(process.env.GROQ_API_KEY) })],\n}\n",
    ],
  ])('%s', (config, packageJson, source) =>
    withTempDir(async (dir) => {
      writeFiles(dir, { 'package.json': packageJson, [config]: source, 'src/index.js': 'export {}\n' })
      const plan = planIntegration(dir, { templatesDir })
      expect(plan.writes).toEqual([])
      expect(plan.manual).toEqual([
        expect.objectContaining({
          file: config,
          line: config.startsWith('next') ? 2 : 3,
          reason: expect.stringContaining('inlines env'),
        }),
      ])
      // A build-time read elsewhere in the config stays on the machine: not reported.
      expect(plan.serverSide).toEqual([])
    }),
  )
})
