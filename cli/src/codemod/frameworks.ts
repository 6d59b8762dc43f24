/**
 * Everything that differs between the kinds of app the codemod integrates, as one table of data: how an app is
 * recognised, which public env variable carries the relay URL and how browser code reads it, which of its files
 * are server code, and what its HTML pages can import. Code elsewhere reads a profile; it never branches on an id.
 */
export type Framework = 'next' | 'nuxt' | 'astro' | 'sveltekit' | 'cra' | 'vite' | 'extension' | 'static'

interface RelayUrlSetting {
  readonly variable: string
  readonly env: boolean
  readonly read: string
  readonly readTs: string
  readonly tsPreamble?: string
}

export interface FrameworkProfile {
  readonly id: Framework
  /** package.json dependencies that identify the framework (first profile in table order wins). */
  readonly markers: readonly string[]
  /** Public env prefixes the bundler inlines into browser code (a provider key under one of them is shipped). */
  readonly publicEnvPrefixes: readonly string[]
  /**
   * The relay URL setting: an env variable the bundler inlines, or a page global (`env: false`). `read` is the
   * expression for JavaScript, `readTs` the one for TypeScript, typed by `tsPreamble` so no `vite/client`-style
   * ambient types are assumed (TypeScript's cast is erased before the bundler replaces `import.meta.env.X`).
   */
  readonly relayUrl: RelayUrlSetting
  /**
   * Whether the app has a bundler that resolves npm dependencies: when false the client is vendored as one file
   * and imported with its `.js` extension (browsers resolve nothing else).
   */
  readonly bundled: boolean
  /** Which inline `<script type="module">` blocks of `.html` pages may import the client (app-relative paths). */
  readonly htmlModulesImport: 'all' | 'built-pages' | 'none'
  /** App-relative paths of server code (routes, endpoints, hooks): reported, never rewritten. */
  readonly serverPaths: readonly RegExp[]
}

function viteEnv(variable: string): RelayUrlSetting {
  return {
    variable,
    env: true,
    read: `import.meta.env.${variable}`,
    readTs: `(import.meta as unknown as BuildEnv).env.${variable}`,
    tsPreamble: `/** What the bundler inlines, typed here so no framework env types are needed. */\ninterface BuildEnv {\n  env: { ${variable}?: string }\n}`,
  }
}

function processEnv(variable: string): RelayUrlSetting {
  const read = `process.env.${variable}`
  return { variable, env: true, read, readTs: read }
}

const GLOBAL_RELAY_URL: RelayUrlSetting = {
  variable: 'BYOK_RELAY_URL',
  env: false,
  read: 'globalThis.BYOK_RELAY_URL',
  readTs: '(globalThis as { BYOK_RELAY_URL?: string }).BYOK_RELAY_URL',
}

/** Build config files at an app's root (`vite.config.ts`, `next.config.mjs`, …): node code run at build time. */
export const CONFIG_FILE = /^[^/]+\.config\.[cm]?[jt]s$|^webpack\.[^/]+\.js$/

/** Server paths every app may have: functions folders, `*.server.*` modules, a root `server/` or `api/`. */
const COMMON_SERVER: readonly RegExp[] = [
  /^(server|backend|functions|netlify\/functions|supabase\/functions|\.netlify)\//,
  /^api\//, // Vercel functions
  /(^|\/)[^/]+\.server\.[cm]?[jt]sx?$/,
  /(^|\/)server\/.+/,
]

/**
 * Detection order matters: Next, Nuxt, Astro and SvelteKit apps also depend on React, Vue or Vite; CRA before the
 * generic Vite entry; an extension or a static site is recognised without a bundler.
 */
export const FRAMEWORKS: readonly FrameworkProfile[] = [
  {
    id: 'next',
    markers: ['next'],
    publicEnvPrefixes: ['NEXT_PUBLIC_'],
    relayUrl: processEnv('NEXT_PUBLIC_BYOK_RELAY_URL'),
    bundled: true,
    htmlModulesImport: 'none',
    serverPaths: [
      ...COMMON_SERVER,
      /^(src\/)?pages\/api\//,
      /^(src\/)?app\/(.+\/)?route\.[cm]?[jt]sx?$/,
      /^(src\/)?(middleware|instrumentation)\.[cm]?[jt]s$/,
    ],
  },
  {
    id: 'nuxt',
    markers: ['nuxt', 'nuxt3'],
    publicEnvPrefixes: ['VITE_', 'NUXT_PUBLIC_'],
    relayUrl: viteEnv('VITE_BYOK_RELAY_URL'),
    bundled: true,
    htmlModulesImport: 'none',
    serverPaths: [...COMMON_SERVER],
  },
  {
    id: 'astro',
    markers: ['astro'],
    publicEnvPrefixes: ['PUBLIC_'],
    relayUrl: viteEnv('PUBLIC_BYOK_RELAY_URL'),
    bundled: true,
    htmlModulesImport: 'none',
    // `.ts`/`.js` files under src/pages are endpoints; page frontmatter runs on the server too.
    serverPaths: [...COMMON_SERVER, /^src\/pages\/.+\.[cm]?[jt]s$/, /^src\/middleware\.[cm]?[jt]s$/],
  },
  {
    id: 'sveltekit',
    markers: ['@sveltejs/kit'],
    publicEnvPrefixes: ['VITE_', 'PUBLIC_'],
    relayUrl: viteEnv('VITE_BYOK_RELAY_URL'),
    bundled: true,
    htmlModulesImport: 'none',
    serverPaths: [
      ...COMMON_SERVER,
      /(^|\/)\+(server|page\.server|layout\.server)\.[jt]s$/,
      /(^|\/)hooks\.server\.[jt]s$/,
      /^src\/lib\/server\//,
    ],
  },
  {
    id: 'cra',
    markers: ['react-scripts'],
    publicEnvPrefixes: ['REACT_APP_'],
    relayUrl: processEnv('REACT_APP_BYOK_RELAY_URL'),
    bundled: true,
    htmlModulesImport: 'none',
    serverPaths: [...COMMON_SERVER, /^src\/setupProxy\.js$/],
  },
  {
    id: 'vite',
    markers: ['vite', '@vitejs/plugin-react', '@vitejs/plugin-vue', '@sveltejs/vite-plugin-svelte', 'wxt'],
    publicEnvPrefixes: ['VITE_'],
    relayUrl: viteEnv('VITE_BYOK_RELAY_URL'),
    bundled: true,
    // Vite builds the app's pages; `public/` is copied verbatim.
    htmlModulesImport: 'built-pages',
    serverPaths: [...COMMON_SERVER],
  },
  {
    id: 'extension',
    markers: [],
    publicEnvPrefixes: [],
    relayUrl: GLOBAL_RELAY_URL,
    bundled: false,
    htmlModulesImport: 'all',
    serverPaths: [],
  },
  {
    id: 'static',
    markers: [],
    publicEnvPrefixes: [],
    relayUrl: GLOBAL_RELAY_URL,
    bundled: false,
    htmlModulesImport: 'all',
    serverPaths: [...COMMON_SERVER],
  },
]

export function frameworkProfile(id: Framework): FrameworkProfile {
  return FRAMEWORKS.find((f) => f.id === id)!
}

/** Dependencies that make a package a server (an API, a worker), unless it is also one of the apps above. */
export const SERVER_PACKAGE_MARKERS: readonly string[] = [
  'express',
  'fastify',
  'hono',
  'koa',
  '@nestjs/core',
  '@hapi/hapi',
  'wrangler',
  '@cloudflare/workers-types',
  '@netlify/functions',
  '@vercel/node',
  '@azure/functions',
  'firebase-functions',
]

/** Package folder names that hold server code in a monorepo (`apps/server`, `packages/backend`). */
export const SERVER_PACKAGE_DIRS = /^(server|backend|api|functions|worker|workers)$/

/**
 * Module imports that only server code makes: a file importing one of them is not browser code. `hono` alone
 * (its `hono/client` RPC client runs in browsers).
 */
export const SERVER_ONLY_IMPORTS =
  /^(express|fastify|hono|koa|@hono\/node-server|server-only|next\/server|@netlify\/functions|@vercel\/node|@cloudflare\/workers-types|firebase-functions(\/.*)?|firebase-admin(\/.*)?|node:.+|fs|fs\/promises|path|http|https|child_process|crypto|os)$/
