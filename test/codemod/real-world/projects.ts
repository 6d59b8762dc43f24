import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { listFiles } from '../helpers.js'

/**
 * The real-world corpus for `byok integrate`: projects started the way people start apps today (the scaffolders'
 * own templates, stored once each under `fixtures/layers/`, see scaffold.sh), plus the AI-calling code real apps have (each
 * project's own files under `fixtures/projects/<name>`). Read by projects.test.ts.
 */

const ROOT = fileURLToPath(new URL('./', import.meta.url))

/** `test/codemod/real-world/<parts…>`. */
export function realWorldDir(...parts: string[]): string {
  return join(ROOT, ...parts)
}

/**
 * The project's files: path in the project → the file to copy, its layers first (in order) and its own
 * fixture folder last, each later file replacing an earlier one at the same path.
 */
export function projectFiles(project: CorpusProject): Map<string, string> {
  const files = new Map<string, string>()
  const add = (from: string, into: string) => {
    for (const file of listFiles(from, new Set())) files.set(posix.join(into, file), join(from, file))
  }
  for (const [into, layers] of Object.entries(project.layers))
    for (const layer of layers) add(realWorldDir('fixtures', 'layers', layer), into)
  add(realWorldDir('fixtures', 'projects', project.name), '.')
  return files
}

/** Writes the project into `dir` (an empty folder). */
export function checkoutProject(project: CorpusProject, dir: string): void {
  for (const [path, from] of projectFiles(project)) {
    mkdirSync(join(dir, dirname(path)), { recursive: true })
    copyFileSync(from, join(dir, path))
  }
}

/**
 * Projects sharing one dependency install (stacks.ts). `none`: a static site with no package.json at all.
 */
export type StackName =
  | 'vite-react'
  | 'vite-vue'
  | 'vite-svelte'
  | 'vite-vanilla'
  | 'next'
  | 'sveltekit'
  | 'nuxt'
  | 'astro'
  | 'cra'
  | 'extension'
  | 'none'

/** One of the project's own package.json scripts, run with `npm run` in `dir` (relative to the project). */
export interface Check {
  readonly dir: string
  readonly script: string
}

export interface CorpusProject {
  readonly name: string
  readonly stack: StackName
  /**
   * Scaffolder output and shared app code the project is built on: folder (in the project) → layers under
   * `fixtures/layers/`, copied in order; the project's own folder `fixtures/projects/<name>` is copied over them.
   */
  readonly layers: Readonly<Record<string, readonly string[]>>
  /** How the project was made and what it does (the README table is checked against this list). */
  readonly about: string
  /** Catalogue ids (codemod-patterns.md) and issue-14 shapes (`miss:…` cause 1, `server:…` cause 3). */
  readonly covers: readonly string[]
  /** The project's own typecheck / lint / build scripts, in order: all pass before and after integration. */
  readonly checks: readonly Check[]
  /** Build output folders holding what the browser gets (scanned for provider hosts and keys). */
  readonly output: readonly string[]
  /** Server code (files or folder prefixes): byte-identical after integration. */
  readonly server: readonly string[]
  /** Env variables (from the fixture's .env files) whose value is a provider key that browser code reads. */
  readonly browserKeys: readonly string[]
  /** Provider keys written into browser sources as literals: name → the (fake) value. */
  readonly literalKeys?: Readonly<Record<string, string>>
  /** Env variables holding server-only keys: never in the browser output, before or after. */
  readonly serverKeys: readonly string[]
  /** Files whose provider call byok must rewrite, not leave as a manual item (the plain SDK and fetch shapes). */
  readonly mustRewrite: readonly string[]
  /** False when no browser code calls a provider: integration must change nothing and `byok doctor` passes. */
  readonly browserCalls: boolean
  /** A built page with classic scripts: loaded in Chromium after integration, it must raise no page error. */
  readonly classicPage?: { readonly root: string; readonly path: string }
}

const vite = (extra: readonly Check[] = []): Check[] => [...extra, { dir: '.', script: 'build' }]
const viteReact: Check[] = vite([{ dir: '.', script: 'lint' }])
const next = (dir = '.'): Check[] => [
  { dir, script: 'lint' },
  { dir, script: 'build' },
]

export const PROJECTS: readonly CorpusProject[] = [
  {
    name: 'vite-react-openai',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; `openai` SDK singleton (`dangerouslyAllowBrowser`), streamed with `for await`',
    covers: ['A1', 'C1', 'D1', 'E8'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/openai.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-react-anthropic',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; `@anthropic-ai/sdk` built in a factory function, `messages.stream().on("text")`',
    covers: ['A4', 'A8', 'C1', 'C9', 'D2'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_ANTHROPIC_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/ai.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-react-groq',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about: 'create-vite react-ts; `groq-sdk` (its own `/openai/v1` base path), streamed',
    covers: ['A3', 'C1', 'D1'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_GROQ_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/ai.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-react-genai',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about: 'create-vite react-ts; `@google/genai` `generateContentStream`',
    covers: ['A6', 'C1', 'D3'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_GEMINI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/ai.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-react-ai-sdk',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; Vercel AI SDK `createOpenAI` + `createAnthropic` + a local Ollama provider, `streamText`',
    covers: ['A7', 'C1', 'D1', 'F3'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY', 'VITE_ANTHROPIC_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/providers.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-react-settings-endpoint',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; `fetch(settings.endpoint)` from a localStorage settings store whose key defaults to `VITE_OPENAI_API_KEY`',
    covers: ['miss:runtime-endpoint', 'B3', 'C1', 'C7', 'D4'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-fetch-event-source',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; `@microsoft/fetch-event-source` to OpenAI with a separately built options object',
    covers: ['miss:fetchEventSource', 'B2', 'B7', 'C1', 'D5'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-fetch-sse-helper',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; a project-local `fetchSSE(url, …)` on eventsource-parser, called for OpenAI and Anthropic',
    covers: ['miss:fetchSSE', 'B8', 'B9', 'C1', 'D6'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY', 'VITE_ANTHROPIC_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-gemini-live',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; a Gemini Live `WebSocket` to `generativelanguage.googleapis.com/ws/…?key=` in a client class',
    covers: ['miss:gemini-live-ws', 'A8', 'B5', 'C1', 'C9', 'D7'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_GEMINI_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-openrouter-localstorage',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts; `openai` SDK pointed at OpenRouter, user key from localStorage, attribution headers',
    covers: ['A1', 'C6', 'C7'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: [],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-literal-key',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about: 'create-vite react-ts; a hard-coded Groq key literal and a raw `fetch` (the tiny-demo shape)',
    covers: ['B1', 'C12'],
    checks: viteReact,
    output: ['dist'],
    server: [],
    browserKeys: [],
    literalKeys: { GROQ_API_KEY: 'gsk_FAKEFAKEFAKEviteReactLiteralKey0000000000000' },
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-react-cloudflare-worker',
    stack: 'vite-react',
    layers: { '.': ['vite-react-ts', 'react-chat'] },
    about:
      'create-vite react-ts + a Cloudflare Worker (`export default { fetch }`, wrangler.jsonc) that calls OpenAI; the page calls its own /api',
    covers: ['server:worker', 'E9', 'F1'],
    checks: viteReact,
    output: ['dist'],
    server: ['worker/', 'wrangler.jsonc'],
    browserKeys: [],
    serverKeys: ['OPENAI_API_KEY'],
    mustRewrite: [],
    browserCalls: false,
  },
  {
    name: 'pnpm-monorepo-vite-express',
    stack: 'vite-react',
    layers: { 'apps/web': ['vite-react-ts', 'react-chat'] },
    about:
      'pnpm workspace: apps/web (create-vite react-ts, `openai` SDK in the browser) + apps/server (Express, `openai` with its own key)',
    covers: ['E7', 'server:backend-package', 'A1', 'C1'],
    checks: [
      { dir: 'apps/web', script: 'lint' },
      { dir: 'apps/web', script: 'build' },
      { dir: 'apps/server', script: 'typecheck' },
    ],
    output: ['apps/web/dist'],
    server: ['apps/server/'],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: ['OPENAI_API_KEY'],
    mustRewrite: ['apps/web/src/lib/openai.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-vue-mistral-sdk',
    stack: 'vite-vue',
    layers: { '.': ['vite-vue-ts'] },
    about:
      'create-vite vue-ts; `@mistralai/mistralai` in a composable, `chat.stream`, used by a `<script setup>` SFC',
    covers: ['C1', 'D1', 'E1'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_MISTRAL_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-vue-openai-fetch',
    stack: 'vite-vue',
    layers: { '.': ['vite-vue-ts'] },
    about:
      'create-vite vue-ts; raw `fetch` to OpenAI inside `<script setup lang="ts">`; a Google Drive `?key=` trap',
    covers: ['B1', 'C1', 'D8', 'E1', 'F7'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/components/ChatBox.vue'],
    browserCalls: true,
  },
  {
    name: 'vite-vue-groq-sdk',
    stack: 'vite-vue',
    layers: { '.': ['vite-vue-ts'] },
    about: 'create-vite vue-ts; `groq-sdk` built inside `<script setup lang="ts">`, streamed',
    covers: ['A3', 'C1', 'D1', 'E1'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_GROQ_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/components/GroqChat.vue'],
    browserCalls: true,
  },
  {
    name: 'vite-svelte-gemini-fetch',
    stack: 'vite-svelte',
    layers: { '.': ['vite-svelte-ts', 'svelte-chat'] },
    about:
      'create-vite svelte-ts; Gemini `streamGenerateContent?alt=sse&key=` fetch; a Firebase `apiKey: "AIza…"` trap',
    covers: ['B4', 'C1', 'D4', 'F2'],
    checks: [
      { dir: '.', script: 'check' },
      { dir: '.', script: 'build' },
    ],
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_GEMINI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/lib/gemini.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-svelte-anthropic-store',
    stack: 'vite-svelte',
    layers: { '.': ['vite-svelte-ts', 'svelte-chat'] },
    about:
      'create-vite svelte-ts; a persisted svelte store holding the key (env default), raw Anthropic fetch in a `.svelte` component',
    covers: ['B9', 'C1', 'C7', 'E2'],
    checks: [
      { dir: '.', script: 'check' },
      { dir: '.', script: 'build' },
    ],
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_ANTHROPIC_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'vite-vanilla-openai',
    stack: 'vite-vanilla',
    layers: { '.': ['vite-vanilla-ts'] },
    about: 'create-vite vanilla-ts; OpenAI URL in an exported constant, `fetch` in a DOM-wired module',
    covers: ['B2', 'C1', 'D8'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/chat.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-vanilla-axios-mistral',
    stack: 'vite-vanilla',
    layers: { '.': ['vite-vanilla-ts'] },
    about:
      'create-vite vanilla-ts; `axios.create({ baseURL: "https://api.mistral.ai/v1", headers })` next to an own-backend axios instance',
    covers: ['B6', 'C1', 'D8', 'F1', 'F4'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: ['VITE_MISTRAL_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/mistral.ts'],
    browserCalls: true,
  },
  {
    name: 'vite-inline-classic-openrouter',
    stack: 'vite-vanilla',
    layers: { '.': ['vite-vanilla-ts'] },
    about:
      'create-vite vanilla-ts; an inline classic `<script>` in index.html calling OpenRouter with a literal key',
    covers: ['miss:inline-classic-script', 'B1', 'C12', 'E3'],
    checks: vite(),
    output: ['dist'],
    server: [],
    browserKeys: [],
    literalKeys: { OPENROUTER_KEY: 'sk-or-v1-FAKEFAKEFAKEviteInlineClassic0000000000000000' },
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
    classicPage: { root: 'dist', path: '/index.html' },
  },
  {
    name: 'next-app-router',
    stack: 'next',
    layers: { '.': ['next-app'] },
    about:
      'create-next-app (App Router, ESLint); `"use client"` chat with the `openai` SDK; a route handler and a `"use server"` action calling providers',
    covers: ['A1', 'C2', 'D1', 'E5', 'server:route-handler', 'server:use-server'],
    checks: next(),
    output: ['.next/static'],
    server: ['app/api/', 'app/actions.ts'],
    browserKeys: ['NEXT_PUBLIC_OPENAI_API_KEY'],
    serverKeys: ['OPENAI_API_KEY', 'ANTHROPIC_API_KEY'],
    mustRewrite: ['lib/openai.ts'],
    browserCalls: true,
  },
  {
    name: 'next-pages-router',
    stack: 'next',
    layers: { '.': ['next-pages'] },
    about:
      'create-next-app (pages router, ESLint); a component `fetch`ing Groq with `NEXT_PUBLIC_GROQ_API_KEY`; `pages/api/chat.ts` + a server-only lib',
    covers: ['B2', 'C2', 'D8', 'E5', 'server:pages-api'],
    checks: next(),
    output: ['.next/static'],
    server: ['pages/api/', 'lib/openai-server.ts'],
    browserKeys: ['NEXT_PUBLIC_GROQ_API_KEY'],
    serverKeys: ['OPENAI_API_KEY'],
    mustRewrite: ['components/QuickAsk.tsx'],
    browserCalls: true,
  },
  {
    name: 'next-app-server-only',
    stack: 'next',
    layers: { '.': ['next-app'] },
    about:
      'create-next-app (App Router); providers called only from a route handler and `"use server"` actions; the page calls /api',
    covers: ['server:route-handler', 'server:use-server', 'E9', 'F1'],
    checks: next(),
    output: ['.next/static'],
    server: ['app/api/', 'app/actions.ts'],
    browserKeys: [],
    serverKeys: ['GEMINI_API_KEY', 'OPENAI_API_KEY'],
    mustRewrite: [],
    browserCalls: false,
  },
  {
    name: 'turbo-monorepo-next-hono',
    stack: 'next',
    layers: { 'apps/web': ['next-app'] },
    about:
      'turbo + pnpm workspace: apps/web (create-next-app, Anthropic SDK in a `useMemo`) + apps/api (Hono, Anthropic with its own key)',
    covers: ['E7', 'A4', 'A8', 'C2', 'D2', 'server:backend-package'],
    checks: [...next('apps/web'), { dir: 'apps/api', script: 'check-types' }],
    output: ['apps/web/.next/static'],
    server: ['apps/api/'],
    browserKeys: ['NEXT_PUBLIC_ANTHROPIC_API_KEY'],
    serverKeys: ['ANTHROPIC_API_KEY'],
    mustRewrite: ['apps/web/components/Assistant.tsx'],
    browserCalls: true,
  },
  {
    name: 'sveltekit-openai',
    stack: 'sveltekit',
    layers: { '.': ['sveltekit'] },
    about:
      'sv create (minimal, TypeScript); `$env/static/public` key + OpenAI fetch in `$lib`; `+server.ts` and `$lib/server` call Anthropic',
    covers: ['B1', 'D4', 'server:sveltekit-endpoint'],
    checks: [
      { dir: '.', script: 'check' },
      { dir: '.', script: 'build' },
    ],
    output: ['.svelte-kit/output/client'],
    server: ['src/routes/api/', 'src/lib/server/'],
    browserKeys: ['PUBLIC_OPENAI_API_KEY'],
    serverKeys: ['ANTHROPIC_API_KEY'],
    mustRewrite: ['src/lib/openai.ts'],
    browserCalls: true,
  },
  {
    name: 'nuxt-groq',
    stack: 'nuxt',
    layers: {},
    about:
      'Nuxt 4 documented minimal layout (app/, server/); `useRuntimeConfig().public` key + `$fetch` to Groq; a server route calling OpenAI',
    covers: ['B1', 'D8', 'E1', 'server:nuxt-server-route'],
    checks: [
      { dir: '.', script: 'typecheck' },
      { dir: '.', script: 'build' },
    ],
    output: ['.output/public'],
    server: ['server/'],
    browserKeys: ['NUXT_PUBLIC_GROQ_API_KEY'],
    serverKeys: ['NUXT_OPENAI_API_KEY'],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'astro-anthropic',
    stack: 'astro',
    layers: {},
    about:
      'Astro documented minimal layout; a component `<script>` fetching Anthropic with `PUBLIC_ANTHROPIC_API_KEY`',
    covers: ['B9', 'E3'],
    checks: [{ dir: '.', script: 'build' }],
    output: ['dist'],
    server: [],
    browserKeys: ['PUBLIC_ANTHROPIC_API_KEY'],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'cra-typescript-openai',
    stack: 'cra',
    layers: { '.': ['cra-typescript'] },
    about:
      'Create React App (cra-template-typescript, react-scripts 5); `openai` SDK with `REACT_APP_OPENAI_API_KEY`',
    covers: ['A1', 'C3', 'D8'],
    checks: [{ dir: '.', script: 'build' }],
    output: ['build'],
    server: [],
    browserKeys: ['REACT_APP_OPENAI_API_KEY'],
    serverKeys: [],
    mustRewrite: ['src/openai.ts'],
    browserCalls: true,
  },
  {
    name: 'mv3-extension-multi-provider',
    stack: 'extension',
    layers: {},
    about:
      'MV3 extension (TypeScript, tsc): service worker + popup call OpenAI, Anthropic and Gemini through one shared helper; keys in chrome.storage',
    covers: ['miss:mv3-shared-helper', 'B4', 'B8', 'B9', 'C8', 'E6', 'G3'],
    checks: [
      { dir: '.', script: 'typecheck' },
      { dir: '.', script: 'build' },
    ],
    output: ['dist'],
    server: [],
    browserKeys: [],
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
  },
  {
    name: 'static-classic-scripts',
    stack: 'none',
    layers: {},
    about:
      'plain HTML, no build: classic `<script src="config.js">` (a committed key) + `<script src="app.js">` calling OpenAI',
    covers: ['B1', 'C5', 'C12', 'E3'],
    checks: [],
    output: ['.'],
    server: [],
    browserKeys: [],
    literalKeys: { OPENAI_API_KEY: 'sk-proj-FAKEFAKEFAKEstaticClassicScripts0000000000' },
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
    classicPage: { root: '.', path: '/index.html' },
  },
  {
    name: 'static-module-scripts',
    stack: 'none',
    layers: {},
    about:
      'plain HTML, no build: `<script type="module">` importing a Gemini module and a key from config.js',
    covers: ['B2', 'C5', 'C12'],
    checks: [],
    output: ['.'],
    server: [],
    browserKeys: [],
    literalKeys: { GEMINI_API_KEY: 'AIzaFAKEFAKEFAKEstaticModuleScripts00000000' },
    serverKeys: [],
    mustRewrite: [],
    browserCalls: true,
    classicPage: { root: '.', path: '/index.html' },
  },
]

/**
 * Projects the codemod does not integrate correctly yet: name → the finding (file:line, what happens). They still
 * run in full, as `it.fails`, so CI stays green while the bug is open and turns red the day the codemod passes
 * the project (then delete the entry). Only codemod bugs belong here, never a fixture or harness problem.
 */
export const KNOWN_FAILING: Readonly<Record<string, string>> = {}
