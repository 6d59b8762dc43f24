/**
 * Builds @byok/client: dist/*.js + .d.ts (tsc, one file per module so bundlers tree-shake), and the vendor
 * single files `byok integrate --vendor` copies into projects that want no dependency:
 *   dist/vendor/byok.js         one ESM file with no imports
 *   dist/vendor/byok.d.ts       its types, one file
 *   dist/vendor/byok.global.js  a classic script setting globalThis.byokClient
 * Run by `prepare`, so a fresh `pnpm install` leaves dist/ in place for the CLI, which reads dist/vendor at run time.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const require = createRequire(import.meta.url)

// Projects lint and type-check their own tree; a vendored file must pass whatever settings they chose.
const header = (kind) => `/* eslint-disable */
// biome-ignore-all lint: generated file
${kind === 'js' ? '// @ts-nocheck\n' : ''}/**
 * @byok/client ${version}, vendored as one file (generated from the package's dist/vendor; do not edit).
 * To update it, copy it again from a newer @byok/client, or depend on the package instead: npm i @byok/client.
 */
`

// Tests pack this package from several processes at once (each `pnpm pack` runs prepack): rebuilding a dist/
// that is already current would delete files another process is reading. `--force` (the `build` script) always
// rebuilds.
const stampFile = join(root, 'node_modules', '.cache', 'byok-client-build.sha256')
const stamp = sourceStamp()
if (!process.argv.includes('--force') && existsSync(join(dist, 'vendor', 'byok.d.ts'))) {
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) process.exit(0)
}

rmSync(dist, { recursive: true, force: true })
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
)

const common = {
  bundle: true,
  platform: 'browser',
  target: 'es2022',
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
}
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  format: 'esm',
  outfile: 'dist/vendor/byok.js',
  banner: { js: header('js') },
})
await build({
  ...common,
  stdin: {
    contents:
      "import * as api from './index.ts'\n;(globalThis as { byokClient?: unknown }).byokClient = { ...api }\n",
    resolveDir: join(root, 'src'),
    loader: 'ts',
    sourcefile: 'global.ts',
  },
  format: 'iife',
  outfile: 'dist/vendor/byok.global.js',
  banner: { js: header('js').replace('// @ts-nocheck\n', '') },
})
writeFileSync(join(dist, 'vendor', 'byok.d.ts'), vendorTypes())
mkdirSync(dirname(stampFile), { recursive: true })
writeFileSync(stampFile, stamp)

/** A digest of everything dist/ is built from: the sources, the build settings, this script, the version. */
function sourceStamp() {
  const hash = createHash('sha256')
  const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']
  const sources = readdirSync(join(root, 'src'), { recursive: true })
    .map(String)
    .filter((name) => /\.(ts|css)$/.test(name))
    .sort()
  for (const file of [...inputs, ...sources.map((name) => join('src', name))]) {
    const path = join(root, file)
    if (!existsSync(path)) continue
    hash.update(file).update('\0').update(readFileSync(path)).update('\0')
  }
  return hash.digest('hex')
}

/**
 * One .d.ts from the modules' own declarations: imports between them dropped, `export` dropped from each
 * declaration, and the index's export list (its `from` clauses removed) as the only exports.
 */
function vendorTypes() {
  const read = (name) => readFileSync(join(dist, `${name}.d.ts`), 'utf8')
  const importsOf = (name) => [...read(name).matchAll(/from '\.\/([\w-]+)\.js'/g)].map(([, from]) => from)
  // The modules the index re-exports from, and what their declarations import; dependencies first.
  const modules = []
  const visit = (name) => {
    if (modules.includes(name)) return
    for (const from of importsOf(name)) visit(from)
    modules.push(name)
  }
  for (const from of importsOf('index')) visit(from)
  const bodies = modules.map((name) => {
    const text = read(name)
    return text
      .replace(/^import [^;]+;\n/gm, '')
      .replace(/^export \{\};\n/gm, '')
      .replace(/^export (declare |interface |type )/gm, (_, kind) => (kind === 'type ' ? 'type ' : kind))
      .trim()
  })
  const exports = read('index')
    .replace(/\/\*\*[\s\S]*?\*\/\n/g, '')
    .replace(/^\/\/.*\n/gm, '')
    .replace(/ from '\.\/[\w-]+\.js'/g, '')
    .trim()
  return `${header('dts')}\n${bodies.join('\n\n')}\n\n${exports}\n`
}
