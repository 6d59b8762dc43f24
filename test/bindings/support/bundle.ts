import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { writeFiles } from '@byok/test-kit'
import type { Plugin } from '../../../templates/client/node_modules/esbuild/lib/main.js'
import { CLIENT_PACKAGE_DIR } from '../../client/pack.js'

const CLIENT_MODULES = join(CLIENT_PACKAGE_DIR, 'node_modules')
// esbuild and the framework compilers are @byok/client's dev dependencies, not the e2e package's.
const fromClient = createRequire(join(CLIENT_PACKAGE_DIR, 'package.json'))
export const esbuild = fromClient(
  'esbuild',
) as typeof import('../../../templates/client/node_modules/esbuild/lib/main.js')
const svelte = () =>
  fromClient('svelte/compiler') as {
    compile(source: string, options: object): { js: { code: string } }
  }
const vue = () =>
  fromClient('vue/compiler-sfc') as {
    parse(source: string, options: object): { descriptor: object; errors: unknown[] }
    compileScript(descriptor: object, options: object): { content: string }
  }
const clientExports = JSON.parse(readFileSync(join(CLIENT_PACKAGE_DIR, 'package.json'), 'utf8'))
  .exports as Record<string, { source?: string } | string>

/** `@byok/client[/entry]` → the entry's TypeScript source, through the package's own exports map. */
const byokClientSources: Plugin = {
  name: 'byok-client-source',
  setup(b) {
    b.onResolve({ filter: /^@byok\/client(\/.*)?$/ }, ({ path }) => {
      const target = clientExports[`.${path.slice('@byok/client'.length)}`]
      const source = typeof target === 'object' ? target.source : undefined
      if (!source) return { errors: [{ text: `${path} is not an entry of @byok/client` }] }
      return { path: join(CLIENT_PACKAGE_DIR, source) }
    })
  },
}

/** Svelte components, compiled with the package's svelte (the version the binding is tested with). */
const svelteComponents: Plugin = {
  name: 'svelte',
  setup(b) {
    b.onLoad({ filter: /\.svelte$/ }, ({ path }) => {
      const { js } = svelte().compile(readFileSync(path, 'utf8'), {
        filename: path,
        generate: 'client',
        css: 'injected',
      })
      return { contents: js.code, loader: 'js', resolveDir: dirname(path) }
    })
  },
}

/** Vue single-file components (`<script setup lang="ts">` with the template inlined), as Vite's plugin does. */
const vueComponents: Plugin = {
  name: 'vue',
  setup(b) {
    b.onLoad({ filter: /\.vue$/ }, ({ path }) => {
      const { parse, compileScript } = vue()
      const { descriptor, errors } = parse(readFileSync(path, 'utf8'), { filename: path })
      if (errors.length > 0) return { errors: errors.map((e) => ({ text: String(e) })) }
      const script = compileScript(descriptor, {
        id: relative(CLIENT_PACKAGE_DIR, path),
        inlineTemplate: true,
      })
      return { contents: script.content, loader: 'ts', resolveDir: dirname(path) }
    })
  },
}

/**
 * Writes `files` (a doc's example files, plus the test's own) under `dir` and bundles `entry` for the browser
 * into `dir/dist` with index.html: what Vite would serve for the app, made with esbuild. `@byok/client` is the
 * package's source; frameworks and the AI SDK come from the package's dev dependencies. `env` stands in for
 * Vite's `import.meta.env`.
 */
export async function bundleApp(options: {
  dir: string
  files: Record<string, string>
  entry: string
  env: Record<string, string>
  /** The id of the element the app mounts on (`root` in create-vite's React template, `app` elsewhere). */
  mount: string
}): Promise<string> {
  writeFiles(options.dir, options.files)
  const dist = join(options.dir, 'dist')
  mkdirSync(dist, { recursive: true })
  const define: Record<string, string> = {
    'process.env.NODE_ENV': '"production"',
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  }
  for (const [name, value] of Object.entries(options.env))
    define[`import.meta.env.${name}`] = JSON.stringify(value)
  await esbuild.build({
    entryPoints: [join(options.dir, options.entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outfile: join(dist, 'main.js'),
    nodePaths: [CLIENT_MODULES],
    conditions: ['browser', 'module', 'import'],
    jsx: 'automatic',
    define,
    plugins: [byokClientSources, svelteComponents, vueComponents],
    logLevel: 'error',
  })
  writeFileSync(
    join(dist, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>byok binding</title></head>' +
      `<body><div id="${options.mount}"></div><script type="module" src="/main.js"></script></body></html>`,
  )
  return dist
}
