import { execFile } from 'node:child_process'
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { runInNewContext } from 'node:vm'
import { writeFiles } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type HeldTempDir, holdTempDir } from '../browser/support/temp-dir.js'
import { CLIENT_PACKAGE_DIR, packByokClient } from './pack.js'

const run = promisify(execFile)
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url))

/** create-vite's react-ts `tsconfig.app.json` (no DOM.Iterable, erasableSyntaxOnly, noUnused*), plus stricter bits. */
const VITE_APP_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023', 'DOM'],
  module: 'ESNext',
  moduleResolution: 'bundler',
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  moduleDetection: 'force',
  noEmit: true,
  strict: true,
  noUnusedLocals: true,
  noUnusedParameters: true,
  erasableSyntaxOnly: true,
  noFallthroughCasesInSwitch: true,
  noUncheckedSideEffectImports: true,
  // Stricter than the template, so the declarations we ship are checked too.
  skipLibCheck: false,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  types: [],
}

/** A user's code against the package's public API (both entry points). */
const APP_SOURCE = `import { type ByokClient, ByokError, createByok, relayErrorOf } from '@byok/client'
import { type ByokKeyDialogElement, openKeyDialog } from '@byok/client/dialog'

export const byok: ByokClient = createByok({
  relayUrl: 'http://127.0.0.1:3000',
  appId: 'consumer',
  getToken: async () => 'byok_rt_from_my_backend',
})

export async function send(prompt: string): Promise<string> {
  const response = await byok.relayFetch('openai', '/v1/chat/completions', {
    method: 'POST',
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] }),
  })
  const error = await relayErrorOf(response)
  if (error instanceof ByokError) throw error
  return response.text()
}

export const askAgain = async (): Promise<boolean> => (await openKeyDialog('openai')) !== null || byok.askForKey('openai')
export type Dialog = ByokKeyDialogElement
`

/** A user's code against every binding entry (the frameworks' and the AI SDK's own types resolved). */
const BINDINGS_SOURCE = `import { createOpenAI } from '@ai-sdk/openai'
import { createByok } from '@byok/client'
import { byokProviderSettings, createByokProvider } from '@byok/client/ai-sdk'
import { type ChatMessage, streamChat } from '@byok/client/chat'
import { useByok, useByokChat } from '@byok/client/react'
import { byokChat, byokKeys } from '@byok/client/svelte'
import { useByok as useVueByok, useByokChat as useVueChat } from '@byok/client/vue'
import { streamText } from 'ai'

const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'consumer' })
const target = { provider: 'openai', model: 'gpt-4o-mini' }

export function useReactApp(): readonly [number, boolean] {
  const { keys } = useByok(byok)
  const chat = useByokChat(byok, target)
  return [keys.length, chat.streaming]
}
export function useVueApp(): number {
  return useVueByok(byok).keys.value.length + useVueChat(byok, () => target).messages.value.length
}
export const keys = byokKeys(byok)
export const chat = byokChat(byok, target)
export const result = streamText({ model: createByokProvider(byok, 'openai', createOpenAI)('gpt-4o-mini'), prompt: 'hi' })
export const settings = byokProviderSettings(byok, 'anthropic')
export async function firstDelta(messages: ChatMessage[]): Promise<string | undefined> {
  for await (const delta of streamChat(byok, { ...target, messages })) return delta
  return undefined
}
`

/** The same code against the vendored single file copied into src/lib/. */
const VENDOR_SOURCE = APP_SOURCE.replace(/'@byok\/client(\/dialog)?'/g, "'./lib/byok.js'")

let project: HeldTempDir
let tarball: string

beforeAll(async () => {
  tarball = await packByokClient()
  project = await holdTempDir()
  writeFileSync(
    join(project.dir, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  )
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: project.dir,
    timeout: 120_000,
  })
})
afterAll(async () => {
  await project?.release()
})

const packaged = (path: string) => join(project.dir, 'node_modules', '@byok', 'client', path)

async function typeCheck(name: string, files: Record<string, string>, options: object): Promise<string> {
  const dir = join(project.dir, name)
  writeFiles(dir, files)
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: options, include: Object.keys(files) }),
  )
  return run(process.execPath, [TSC, '-p', dir], { cwd: dir }).then(
    ({ stdout }) => stdout,
    (error: { stdout?: string; message: string }) => error.stdout || error.message,
  )
}

/** The names a module's `export { … }` / `export type { … }` lists declare (the vendor .d.ts ends with those). */
function declaredExports(dts: string): string[] {
  const names = [...dts.matchAll(/^export (?:type )?\{([^}]*)\}/gm)].flatMap(([, list]) =>
    list!.split(',').map((name) => name.trim()),
  )
  return names.filter(Boolean).sort()
}

describe('the packed @byok/client', () => {
  test('holds dist (ESM + .d.ts + vendor files), README and LICENSE; no sources, no workspace-only fields', async () => {
    const { stdout } = await run('tar', ['tzf', tarball])
    const files = stdout.trim().split('\n').sort()
    expect(files).toEqual(
      expect.arrayContaining([
        'package/LICENSE',
        'package/README.md',
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/dialog.js',
        'package/dist/dialog.d.ts',
        'package/dist/vendor/byok.js',
        'package/dist/vendor/byok.d.ts',
        'package/dist/vendor/byok.global.js',
      ]),
    )
    expect(files).toEqual(expect.arrayContaining(['package/docs/react.md', 'package/docs/ai-sdk.md']))
    const elsewhere = files.filter((f) => !/^package\/(dist\/|docs\/[\w-]+\.md$|[^/]+$)/.test(f))
    expect(elsewhere).toEqual([])
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([])

    const manifest = readFileSync(packaged('package.json'), 'utf8')
    expect(manifest).not.toContain('"source"')
    expect(manifest).not.toContain('workspace:')
    const parsed = JSON.parse(manifest) as Record<string, unknown>
    expect(parsed).toMatchObject({ name: '@byok/client', type: 'module', sideEffects: false, license: 'MIT' })
    expect(parsed.dependencies).toBeUndefined()
    // The frameworks are the app's own: optional peers, never installed by this package.
    expect(parsed.peerDependenciesMeta).toEqual({
      react: { optional: true },
      svelte: { optional: true },
      vue: { optional: true },
    })
    const cli = JSON.parse(readFileSync(new URL('../../cli/package.json', import.meta.url), 'utf8'))
    expect(parsed.version).toBe(cli.version)
  })

  test("a create-vite react-ts project's settings type-check code using both entry points", async () => {
    const output = await typeCheck('app', { 'src/main.ts': APP_SOURCE }, VITE_APP_OPTIONS)
    expect(output).toBe('')
  })

  test('the same code under NodeNext resolution (the exports map, not a bundler) type-checks', async () => {
    const output = await typeCheck(
      'nodenext',
      { 'src/main.ts': APP_SOURCE },
      {
        ...VITE_APP_OPTIONS,
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        allowImportingTsExtensions: false,
      },
    )
    expect(output).toBe('')
  })

  test('the bindings (react, vue, svelte, chat, ai-sdk) type-check in a user project, their .d.ts included', async () => {
    // The app's own frameworks and AI SDK: the versions the bindings are tested with (the package's dev deps).
    for (const name of ['react', '@types', 'vue', 'svelte', 'ai', '@ai-sdk', 'zod']) {
      symlinkSync(
        join(CLIENT_PACKAGE_DIR, 'node_modules', name),
        join(project.dir, 'node_modules', name),
        'dir',
      )
    }
    const output = await typeCheck('bindings', { 'src/main.ts': BINDINGS_SOURCE }, VITE_APP_OPTIONS)
    // skipLibCheck is off so our declarations are checked; the frameworks' own are not ours to judge.
    const ours = output.split('\n').filter((line) => /^(src\/|.*node_modules\/@byok\/client\/)/.test(line))
    expect(ours).toEqual([])
    expect(output, 'tsc ran over the project (no config-level error)').not.toMatch(/^error TS/m)
  })

  test('the vendored byok.js + byok.d.ts pair type-checks under the same settings', async () => {
    const output = await typeCheck(
      'vendored',
      {
        'src/main.ts': VENDOR_SOURCE,
        'src/lib/byok.js': readFileSync(packaged('dist/vendor/byok.js'), 'utf8'),
        'src/lib/byok.d.ts': readFileSync(packaged('dist/vendor/byok.d.ts'), 'utf8'),
      },
      // allowJs + checkJs as a JS-leaning project has them: the file's @ts-nocheck keeps it out of their checks.
      { ...VITE_APP_OPTIONS, allowJs: true, checkJs: true },
    )
    expect(output).toBe('')
  })

  test('byok.js is one file with no imports, exporting what byok.d.ts and the package entry declare', async () => {
    const vendor = readFileSync(packaged('dist/vendor/byok.js'), 'utf8')
    expect(vendor).not.toMatch(/^\s*import\b|\bimport\(|\brequire\(/m)
    expect(vendor.split('\n').slice(0, 3)).toEqual([
      '/* eslint-disable */',
      '// biome-ignore-all lint: generated file',
      '// @ts-nocheck',
    ])
    const vendored = Object.keys(await import(packaged('dist/vendor/byok.js'))).sort()
    const entry = Object.keys(await import(packaged('dist/index.js'))).sort()
    expect(vendored).toEqual(entry)
    expect(vendored).toContain('createByok')
    const dts = readFileSync(packaged('dist/vendor/byok.d.ts'), 'utf8')
    expect(dts).not.toMatch(/^import\b/m)
    expect(declaredExports(dts)).toEqual(expect.arrayContaining(vendored))
  })

  test('byok.global.js, run as a classic script, sets globalThis.byokClient with the same functions', () => {
    const script = readFileSync(packaged('dist/vendor/byok.global.js'), 'utf8')
    expect(script).not.toMatch(/^\s*(import|export)\b/m)
    const sandbox: { byokClient?: Record<string, unknown> } = {}
    runInNewContext(script, sandbox)
    expect(Object.keys(sandbox.byokClient ?? {})).toContain('createByok')
    const client = (sandbox.byokClient!.createByok as (o: object) => { baseUrl(p: string): string })({
      relayUrl: 'http://127.0.0.1:3000/',
      appId: 'classic',
    })
    expect(client.baseUrl('openai')).toBe('http://127.0.0.1:3000/relay/openai')
  })
})
