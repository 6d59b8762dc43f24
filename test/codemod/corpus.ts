/**
 * The fixture-project corpus for `byok integrate`: one entry per folder in fixtures/, saying what the codemod must
 * do to it (catalogue ids from the codemod pattern reference, sections A–F). Read by corpus.test.ts.
 */

export type Framework = 'vite' | 'next' | 'cra'

export interface CorpusFixture {
  readonly name: string
  /** Catalogue ids the fixture exercises (A SDKs, B transports, C key sources, D streaming, E containers, F traps). */
  readonly covers: readonly string[]
  readonly framework: Framework
  /** `.env*` variables holding a provider key: their values must leave the sources and never reach the bundle. */
  readonly providerKeys: readonly string[]
  /**
   * `.env*` variables of the traps (a TMDB token, a Maps key…): not provider keys, so the codemod leaves their
   * uses alone and the bundler still inlines them. Finding them in the bundle proves the bundle scan sees inlined
   * env values at all.
   */
  readonly bundleControls: readonly string[]
  /** Provider call sites `byok integrate` must report as found on the first run: `[file, provider]`. */
  readonly sinks: readonly (readonly [string, string])[]
  /**
   * Files the codemod must modify, each with the patterns its edited lines match: every original line that the
   * diff replaces or removes must match one of them (all other lines stay byte for byte).
   */
  readonly modified: Readonly<Record<string, readonly RegExp[]>>
  /** What a modified file must contain afterwards (the relay route is visible in the code). */
  readonly expectAfter?: Readonly<Record<string, readonly RegExp[]>>
  /** What a modified file must not contain afterwards (e.g. a config file importing the browser helper). */
  readonly forbiddenAfter?: Readonly<Record<string, readonly RegExp[]>>
  /** Trap files that must stay byte-identical. */
  readonly untouched: readonly string[]
  /** Trap snippets inside modified files that must survive verbatim. */
  readonly keptVerbatim?: Readonly<Record<string, readonly string[]>>
  /** Where the helper files land (`src/lib` or `lib`). */
  readonly helperDir: string
  /** The helper's language: `js` for a project without TypeScript (it gets the template with types stripped). */
  readonly helperLanguage?: 'ts' | 'js'
  /** Files whose inserted lines are not style-checked (mixed-style sources such as an inline HTML script). */
  readonly skipStyleCheck?: readonly string[]
  /** The project's type-check script (`npm run typecheck`), absent for JavaScript projects. */
  readonly typecheck: boolean
  /** The build output directory to scan. */
  readonly buildOutput: string
}

/** The env var each framework inlines for the relay URL (what the build is given). */
export const RELAY_URL_VARIABLE: Record<Framework, string> = {
  vite: 'VITE_BYOK_RELAY_URL',
  next: 'NEXT_PUBLIC_BYOK_RELAY_URL',
  cra: 'REACT_APP_BYOK_RELAY_URL',
}

/** Lines the helper import insertion may touch besides the file's own edits (never: it only adds lines). */
const RELAY_CALL = /byok\.(fetch|baseUrl|relayUrlFor|sdkOptions)\b/

export const CORPUS: readonly CorpusFixture[] = [
  {
    name: 'vite-react-openai-sdk-streaming',
    covers: ['A1', 'C1', 'D1', 'E8', 'F1', 'F3'],
    framework: 'vite',
    providerKeys: ['VITE_OPENAI_API_KEY'],
    bundleControls: ['VITE_TMDB_READ_TOKEN'],
    sinks: [['src/lib/openai.ts', 'openai']],
    modified: { 'src/lib/openai.ts': [/apiKey:/] },
    expectAfter: { 'src/lib/openai.ts': [RELAY_CALL, /dangerouslyAllowBrowser: true/] },
    untouched: ['src/lib/ollama.ts', 'src/api/chat.ts', 'src/api/movies.ts', 'src/App.tsx', 'vite.config.ts'],
    keptVerbatim: {
      'src/lib/openai.ts': ['// One client for the whole app; components import this singleton.'],
    },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'next-app-client-anthropic',
    covers: ['A4', 'A8', 'C2', 'D2', 'E5', 'F1'],
    framework: 'next',
    providerKeys: ['NEXT_PUBLIC_ANTHROPIC_API_KEY'],
    bundleControls: ['NEXT_PUBLIC_API_BASE'],
    sinks: [['lib/claude.ts', 'anthropic']],
    modified: { 'lib/claude.ts': [/apiKey:/] },
    expectAfter: { 'lib/claude.ts': [RELAY_CALL, /maxRetries: 0,/] },
    untouched: ['lib/history.ts', 'app/page.tsx', 'app/layout.tsx', 'next.config.ts'],
    helperDir: 'lib',
    typecheck: true,
    buildOutput: '.next',
  },
  {
    name: 'vue-sfc-groq',
    covers: ['A3', 'C1', 'D1', 'E1', 'F7'],
    framework: 'vite',
    providerKeys: ['VITE_GROQ_API_KEY'],
    bundleControls: ['VITE_DRIVE_API_KEY'],
    sinks: [['src/App.vue', 'groq']],
    modified: { 'src/App.vue': [/new Groq\(/, /apiKey/] },
    expectAfter: { 'src/App.vue': [RELAY_CALL, /<template>\n {2}<main>/] },
    untouched: ['src/services/drive.ts', 'src/components/DriveFiles.vue', 'src/main.ts'],
    keptVerbatim: { 'src/App.vue': ['<style scoped>\n.answer {\n  white-space: pre-wrap;\n}\n</style>\n'] },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'svelte-module-gemini-fetch',
    covers: ['B4', 'C1', 'D4', 'E2', 'F2', 'F7'],
    framework: 'vite',
    providerKeys: ['VITE_GEMINI_API_KEY'],
    bundleControls: [],
    sinks: [['src/lib/gemini.svelte', 'google']],
    modified: { 'src/lib/gemini.svelte': [/fetch\(/, /key=/] },
    expectAfter: { 'src/lib/gemini.svelte': [RELAY_CALL, /alt=sse/] },
    untouched: ['src/lib/firebase.ts', 'src/App.svelte', 'src/main.ts'],
    keptVerbatim: {
      'src/lib/gemini.svelte': [
        '<script lang="ts">\n\tlet { label = "Gemini" }: { label?: string } = $props();\n</script>',
        'const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();',
      ],
    },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'plain-html-inline-fetch',
    covers: ['B1', 'C1', 'D8', 'E3', 'F1', 'F3'],
    framework: 'vite',
    providerKeys: ['VITE_OPENAI_API_KEY'],
    bundleControls: ['VITE_BACKEND_URL'],
    sinks: [['index.html', 'openai']],
    modified: { 'index.html': [/fetch\(/, /Authorization/] },
    expectAfter: { 'index.html': [RELAY_CALL, /<script type="module" src="\/src\/main.ts"><\/script>/] },
    untouched: ['src/main.ts'],
    keptVerbatim: {
      'index.html': [
        "const res = await fetch('http://localhost:11434/v1/chat/completions', {",
        "headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ollama' },",
      ],
    },
    helperDir: 'src/lib',
    skipStyleCheck: ['index.html'],
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'cra-genai',
    covers: ['A6', 'C3', 'D3', 'F7'],
    framework: 'cra',
    providerKeys: ['REACT_APP_GEMINI_API_KEY'],
    bundleControls: ['REACT_APP_YOUTUBE_API_KEY'],
    sinks: [['src/gemini.js', 'google']],
    modified: { 'src/gemini.js': [/new GoogleGenAI\(/, /apiKey/] },
    expectAfter: { 'src/gemini.js': [/byok/] },
    untouched: ['src/youtube.js', 'src/App.js', 'src/index.js'],
    helperDir: 'src/lib',
    helperLanguage: 'js',
    typecheck: false,
    buildOutput: 'build',
  },
  {
    name: 'vite-axios-mistral',
    covers: ['B6', 'C1', 'D8', 'F1', 'F4'],
    framework: 'vite',
    providerKeys: ['VITE_MISTRAL_API_KEY'],
    bundleControls: ['VITE_TMDB_TOKEN'],
    sinks: [['src/lib/mistral.ts', 'mistral']],
    modified: {
      'src/lib/mistral.ts': [/axios\.create\(/, /baseURL/, /Authorization/, /headers/, /^\s*\},?\s*$/],
    },
    expectAfter: { 'src/lib/mistral.ts': [/byok/] },
    untouched: ['src/lib/tmdb.ts', 'src/chat.ts', 'src/main.ts'],
    keptVerbatim: { 'src/lib/mistral.ts': ["'Content-Type': 'application/json',", 'timeout: 30_000,'] },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'vite-fetch-sse-reader',
    covers: ['B2', 'C1', 'D4', 'F3'],
    framework: 'vite',
    providerKeys: ['VITE_OPENROUTER_API_KEY'],
    bundleControls: ['VITE_APP_TITLE'],
    sinks: [['src/api/openrouter.ts', 'openrouter']],
    modified: { 'src/api/openrouter.ts': [/fetch\(/, /Authorization/, /OPENROUTER_API_URL =/] },
    expectAfter: { 'src/api/openrouter.ts': [RELAY_CALL] },
    untouched: ['src/api/ollama.ts', 'src/stream/sse.ts', 'src/main.ts'],
    keptVerbatim: {
      'src/api/openrouter.ts': [
        "'HTTP-Referer': window.location.origin,",
        "'X-Title': import.meta.env.VITE_APP_TITLE,",
        'return response.body',
      ],
    },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'vite-vercel-ai-sdk',
    covers: ['A7', 'C1', 'D1', 'F3'],
    framework: 'vite',
    providerKeys: ['VITE_OPENAI_API_KEY', 'VITE_ANTHROPIC_API_KEY'],
    bundleControls: [],
    sinks: [
      ['src/lib/registry.ts', 'openai'],
      ['src/lib/registry.ts', 'anthropic'],
    ],
    modified: { 'src/lib/registry.ts': [/apiKey:/, /createOpenAI\(|createAnthropic\(/, /headers:/] },
    expectAfter: { 'src/lib/registry.ts': [RELAY_CALL] },
    untouched: ['src/chat.ts', 'src/main.ts'],
    keptVerbatim: {
      'src/lib/registry.ts': [
        "ollama: createOpenAI({ baseURL: 'http://localhost:11434/v1', apiKey: 'ollama' }),",
      ],
    },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
  {
    name: 'vite-define-gemini',
    covers: ['A5', 'C4', 'D3', 'G1', 'F7'],
    framework: 'vite',
    providerKeys: ['GEMINI_API_KEY'],
    bundleControls: ['VITE_MAPS_API_KEY'],
    sinks: [['src/services/geminiService.ts', 'google']],
    modified: {
      'src/services/geminiService.ts': [/new GoogleGenerativeAI\(/, /getGenerativeModel\(/],
      'vite.config.ts': [/define/, /process\.env\./, /loadEnv/, /^\s*\},?\s*$/],
    },
    expectAfter: { 'src/services/geminiService.ts': [/byok/] },
    // vite.config.ts runs in Node at build time: it must not import the browser helper.
    forbiddenAfter: { 'vite.config.ts': [/byok/] },
    untouched: ['src/services/mapsService.ts', 'src/index.ts'],
    keptVerbatim: {
      'vite.config.ts': ["'@': path.resolve(__dirname, '.'),"],
      'src/services/geminiService.ts': ['for await (const chunk of result.stream) {'],
    },
    helperDir: 'src/lib',
    typecheck: true,
    buildOutput: 'dist',
  },
]
