import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { withTempDir } from '@byok/test-kit'
import { expect, test } from 'vitest'
import { esbuild } from '../bindings/support/bundle.js'
import { CLIENT_PACKAGE_DIR } from './pack.js'

/**
 * Budgets in bytes, minified + gzipped, of what an app pays for importing each whole entry point (esbuild,
 * frameworks excluded: they are the app's own). `createByok alone` is an app that imports only `createByok`,
 * bundled by rolldown (Vite 8's bundler), which leaves the key dialog in a chunk loaded on the first key prompt
 * (never, with `promptForKey`) and the relay-page chunk loaded on the first connect popup (keyEntry 'relay-page');
 * `+ lazy chunks` adds both. The README's "Size" table records the figures.
 */
const BUDGETS: Record<string, number> = {
  // keyEntry 'relay-page' (issue 20) added about 850 bytes to the whole package and the vendor file; an app that
  // imports only createByok pays about 250 eagerly, the rest loads with the connect popup.
  '@byok/client': 7_100,
  '@byok/client/dialog': 2_000,
  '@byok/client/chat': 3_000,
  '@byok/client/react': 3_300,
  '@byok/client/vue': 3_300,
  '@byok/client/svelte': 3_200,
  '@byok/client/ai-sdk': 400,
  'vendor/byok.global.js': 7_100,
  'createByok alone (rolldown)': 4_600,
  'createByok alone (rolldown) + lazy chunks': 7_100,
}

const ENTRIES: Record<string, string> = {
  '@byok/client': 'src/index.ts',
  '@byok/client/dialog': 'src/dialog.ts',
  '@byok/client/chat': 'src/chat.ts',
  '@byok/client/react': 'src/react.ts',
  '@byok/client/vue': 'src/vue.ts',
  '@byok/client/svelte': 'src/svelte.ts',
  '@byok/client/ai-sdk': 'src/ai-sdk.ts',
  'vendor/byok.global.js': 'dist/vendor/byok.global.js',
}

const FRAMEWORKS = ['react', 'vue', 'svelte', 'svelte/*']

const gzipped = (code: Uint8Array | string) => gzipSync(code, { level: 9 }).length

// rolldown is the bundler of Vite 8 (what most of these apps build with); a dev dependency of @byok/client.
const fromClient = createRequire(join(CLIENT_PACKAGE_DIR, 'package.json'))
const { rolldown } = (await import(pathToFileURL(fromClient.resolve('rolldown')).href)) as {
  rolldown(options: object): Promise<{
    generate(options: object): Promise<{ output: Array<RolldownChunk | { type: 'asset' }> }>
    close(): Promise<void>
  }>
}
interface RolldownChunk {
  type: 'chunk'
  fileName: string
  code: string
  isEntry: boolean
  imports: string[]
}

/**
 * min+gzip of an app whose entry is `source`, bundled and split by rolldown: `eager` is the entry chunk and the
 * chunks it imports statically (what loads with the page), `total` every chunk (lazy ones included).
 */
async function measureSplit(source: string): Promise<{ eager: number; total: number }> {
  return withTempDir(async (dir) => {
    const input = join(dir, 'app.ts')
    writeFileSync(input, source.replaceAll('./src/', `${join(CLIENT_PACKAGE_DIR, 'src')}/`))
    const bundle = await rolldown({ input, logLevel: 'silent' })
    try {
      const { output } = await bundle.generate({ format: 'esm', minify: true })
      const chunks = new Map(
        output.filter((o): o is RolldownChunk => o.type === 'chunk').map((chunk) => [chunk.fileName, chunk]),
      )
      const eager = new Set<string>()
      const visit = (name: string) => {
        if (eager.has(name)) return
        eager.add(name)
        for (const imported of chunks.get(name)?.imports ?? []) if (chunks.has(imported)) visit(imported)
      }
      for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk.fileName)
      const size = (names: Iterable<string>) =>
        [...names].reduce((sum, name) => sum + gzipped(chunks.get(name)!.code), 0)
      return { eager: size(eager), total: size(chunks.keys()) }
    } finally {
      await bundle.close()
    }
  })
}

/** min+gzip of one whole entry bundled by esbuild. */
async function measureEntry(entry: string): Promise<number> {
  const result = await esbuild.build({
    entryPoints: [join(CLIENT_PACKAGE_DIR, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    external: FRAMEWORKS,
    logLevel: 'error',
  })
  return gzipped(result.outputFiles[0]!.contents)
}

test('each entry point stays within its min+gzip budget; createByok alone loads the dialog lazily', async () => {
  const measured: Record<string, number> = {}
  for (const [name, entry] of Object.entries(ENTRIES)) measured[name] = await measureEntry(entry)
  const alone = await measureSplit("export { createByok } from './src/index.ts'")
  measured['createByok alone (rolldown)'] = alone.eager
  measured['createByok alone (rolldown) + lazy chunks'] = alone.total
  console.info(
    `[size] min+gzip bytes (budget): ${Object.entries(measured)
      .map(([name, bytes]) => `${name} ${bytes} (${BUDGETS[name]})`)
      .join(', ')}`,
  )
  expect(Object.keys(measured).sort()).toEqual(Object.keys(BUDGETS).sort())
  for (const [name, bytes] of Object.entries(measured))
    expect(bytes, name).toBeLessThanOrEqual(BUDGETS[name]!)
  // The dialog is not in what loads with the page when only createByok is imported.
  expect(alone.total - alone.eager).toBeGreaterThan(measured['@byok/client/dialog']! * 0.8)
})
