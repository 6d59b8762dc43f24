// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are source code under test
import { Project, ScriptKind } from 'ts-morph'
import { describe, expect, it } from 'vitest'
import { detectSinks } from '../../src/codemod/detect.js'
import { describeKeySource } from '../../src/codemod/key-source.js'

function sinksOf(source: string) {
  const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true })
  const file = project.createSourceFile('/p/a.ts', source, { scriptKind: ScriptKind.TS })
  return detectSinks(file).map((s) => ({
    kind: s.kind,
    provider: s.provider,
    keys: s.keySources.map(describeKeySource),
  }))
}

describe('detectSinks: by sink, exact hosts, traced key sources', () => {
  it.each([
    [
      "import OpenAI from 'openai'\nnew OpenAI({ apiKey: import.meta.env.VITE_OPENAI_API_KEY })",
      'sdk',
      'openai',
      ['env VITE_OPENAI_API_KEY'],
    ],
    [
      "import Anthropic from '@anthropic-ai/sdk'\nnew Anthropic({ apiKey: process.env.NEXT_PUBLIC_ANTHROPIC_KEY })",
      'sdk',
      'anthropic',
      ['env NEXT_PUBLIC_ANTHROPIC_KEY'],
    ],
    [
      "import { GoogleGenAI } from '@google/genai'\nnew GoogleGenAI({ apiKey: process.env['REACT_APP_GEMINI'] })",
      'sdk',
      'google',
      ['env REACT_APP_GEMINI'],
    ],
    [
      "import { GoogleGenerativeAI } from '@google/generative-ai'\nnew GoogleGenerativeAI(localStorage.getItem('gemini'))",
      'sdk',
      'google',
      ["localStorage.getItem('gemini')"],
    ],
    [
      "import OpenAI from 'openai'\nexport const f = (k: string) => new OpenAI({ apiKey: k })",
      'sdk',
      'openai',
      ['parameter k'],
    ],
    [
      "import OpenAI from 'openai'\nnew OpenAI({ apiKey: 'sk-literal-secret' })",
      'sdk',
      'openai',
      ['a string literal in the source'],
    ],
    [
      "fetch('https://api.groq.com/openai/v1/chat/completions', { headers: { Authorization: 'Bearer ' + key } })",
      'fetch',
      'groq',
      [],
    ],
    [
      'const K = import.meta.env.VITE_MISTRAL\nfetch(`https://api.mistral.ai/v1/chat/completions`, { headers: { authorization: `Bearer ${K}` } })',
      'fetch',
      'mistral',
      ['env VITE_MISTRAL'],
    ],
    [
      "const U = 'https://api.x.ai/v1/chat/completions'\nfetch(U, { headers: { 'X-Api-Key': window.localStorage.getItem('xai') } })",
      'fetch',
      'xai',
      ["window.localStorage.getItem('xai')"],
    ],
    [
      'fetch(`https://generativelanguage.googleapis.com/v1beta/models/${m}:generateContent?key=${process.env.REACT_APP_KEY}`)',
      'fetch',
      'google',
      ['env REACT_APP_KEY'],
    ],
    [
      "fetch('https://router.huggingface.co/v1/chat/completions', { headers: { 'x-goog-api-key': k } })",
      'fetch',
      'huggingface',
      [],
    ],
  ])('%s', (source, kind, provider, keys) => {
    const [sink, ...rest] = sinksOf(source)
    expect(rest).toEqual([])
    expect(sink?.kind).toBe(kind)
    expect(sink?.provider).toBe(provider)
    if ((keys as string[]).length) expect(sink?.keys).toEqual(keys)
  })

  it.each([
    ["import Groq from 'groq-sdk'\nnew Groq({ apiKey: import.meta.env.VITE_GROQ_API_KEY })", 'groq', 'new'],
    ["import { Mistral } from '@mistralai/mistralai'\nnew Mistral({ apiKey: k })", 'mistral', 'new'],
    ["import { Configuration } from 'openai'\nnew Configuration({ apiKey: k })", 'openai', 'new'],
    ["import { createXai } from '@ai-sdk/xai'\ncreateXai({ apiKey: k })", 'xai', 'factory'],
    ["import { openai } from '@ai-sdk/openai'\nopenai('gpt-4o')", 'openai', 'instance'],
  ])('SDK shape: %s', (source, provider, shape) => {
    const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true })
    const file = project.createSourceFile('/p/a.ts', source, { scriptKind: ScriptKind.TS })
    const sinks = detectSinks(file)
    expect(sinks.map((s) => [s.kind, s.provider, s.kind === 'sdk' ? s.shape : ''])).toEqual([
      ['sdk', provider, shape],
    ])
  })

  it.each([
    [
      "import axios from 'axios'\naxios.create({ baseURL: 'https://api.openai.com/v1', headers: { Authorization: `Bearer ${k}` } })",
      'axios',
      'openai',
    ],
    [
      "import axios from 'axios'\naxios.post('https://api.anthropic.com/v1/messages', b, { headers: { 'x-api-key': k } })",
      'axios',
      'anthropic',
    ],
    [
      "import axios from 'axios'\naxios.defaults.headers.common.Authorization = `Bearer ${import.meta.env.VITE_OPENAI_API_KEY}`",
      'axios-defaults',
      'unknown',
    ],
    [
      'fetch(`${base}/chat/completions`, { headers: { Authorization: `Bearer ${k}` } })',
      'runtime-fetch',
      'unknown',
    ],
    [
      "fetch(cfg.url + ':streamGenerateContent?alt=sse', { headers: { 'x-goog-api-key': k } })",
      'runtime-fetch',
      'unknown',
    ],
  ])('HTTP shape: %s', (source, transport, provider) => {
    const project = new Project({ useInMemoryFileSystem: true, skipAddingFilesFromTsConfig: true })
    const file = project.createSourceFile('/p/a.ts', source, { scriptKind: ScriptKind.TS })
    expect(detectSinks(file).map((s) => [s.kind, s.kind === 'fetch' ? s.transport : '', s.provider])).toEqual(
      [['fetch', transport, provider]],
    )
  })

  it.each([
    ["fetch('https://api.github.com/user', { headers: { Authorization: `Bearer ${t}` } })"],
    ["const firebaseConfig = { apiKey: 'AIzaSyFake', projectId: 'x' }"],
    ["fetch('http://localhost:11434/v1/chat/completions', { headers: { Authorization: 'Bearer ollama' } })"],
    ["fetch('https://maps.googleapis.com/maps/api/js?key=' + k)"],
    ['fetch(`https://storage.googleapis.com/b/o?key=${k}`)'],
    ["fetch('https://api.openai.com.evil.com/v1/x', { headers: { Authorization: `Bearer ${k}` } })"],
    ["fetch('https://api.openai.com:8443/v1/x', { headers: { Authorization: `Bearer ${k}` } })"],
    ["fetch('https://user:pw@api.openai.com/v1/x', { headers: { Authorization: `Bearer ${k}` } })"],
    ['fetch(`https://api.openai.com${p}`, { headers: { Authorization: `Bearer ${k}` } })'],
    ["import { OpenAI } from './mine'\nnew OpenAI({ apiKey: k })"],
    ['const openai = axios.create({ headers: { Authorization: `Bearer ${k}` } })'],
    ['fetch(`${API}/user`, { headers: { Authorization: `Bearer ${t}` } })'],
    ['fetch(`${base}/chat/completions`, { method: "POST" })'],
    [
      "import axios from 'axios'\naxios.get('https://api.themoviedb.org/3/x', { headers: { Authorization: `Bearer ${t}` } })",
    ],
    ["import axios from 'axios'\naxios.defaults.headers.common.Authorization = `Bearer ${session}`"],
    ["import OpenAI from 'openai'\nnew OpenAI({ apiKey: 'ollama', baseURL: 'http://localhost:11434/v1' })"],
    ["import { createOpenAI } from '@ai-sdk/openai'\ncreateOpenAI({ baseURL: 'https://api.openai.com/v1' })"],
    [
      "import { GoogleGenAI } from '@google/genai'\nnew GoogleGenAI({ apiKey: 'byok-relay', httpOptions: { baseUrl: byok.routeGlobalFetch().baseUrl('google') } })",
    ],
  ])('lookalike left alone: %s', (source) => {
    expect(sinksOf(source)).toEqual([])
  })

  // A provider URL handed to any transport other than fetch, axios or an SDK is found (and reported), never
  // silent: the project's own SSE helper, a WebSocket (Gemini Live), EventSource, XMLHttpRequest, a `var` URL.
  it.each([
    ["myFetch('https://api.openai.com/v1/x', { headers: { Authorization: `Bearer ${k}` } })", 'openai'],
    [
      "fetchSSE('https://openrouter.ai/api/v1/chat/completions', { headers: { Authorization: 'Bearer ' + k } })",
      'openrouter',
    ],
    [
      'new WebSocket(`wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent?key=${k}`)',
      'google',
    ],
    ["const es = new EventSource('https://api.openai.com/v1/stream')", 'openai'],
    ["xhr.open('POST', 'https://api.anthropic.com/v1/messages')", 'anthropic'],
    [
      "var URL_ = 'https://api.groq.com/openai/v1/chat/completions'\nfunction go(k) { return post(URL_, { key: k }) }",
      'groq',
    ],
    [
      "$.ajax({ url: 'https://api.openai.com/v1/chat/completions', headers: { Authorization: k } })",
      'openai',
    ],
    [
      "import { GoogleGenAI } from '@google/genai'\nconst s = await ai.live.connect({ model: 'm' })",
      'google',
    ],
  ])('reached through another transport: %s', (source, provider) => {
    expect(sinksOf(source).map((s) => [s.kind, s.provider])).toEqual([['fetch', provider]])
  })

  it.each([
    [
      "const SDK = 'https://esm.sh/@anthropic-ai/sdk'\nconst { default: Anthropic } = await import(SDK)\nnew Anthropic({ apiKey, dangerouslyAllowBrowser: true })",
      'anthropic',
    ],
    ['const ai = new window.OpenAI({ apiKey: k, dangerouslyAllowBrowser: true })', 'openai'],
    ["import { Groq } from './sdk'\nnew Groq({ apiKey: k, dangerouslyAllowBrowser: true })", 'groq'],
  ])(
    'an SDK client built in the browser from a class not imported from its package: %s',
    (source, provider) => {
      expect(sinksOf(source)).toEqual([
        { kind: 'fetch', provider, keys: [expect.stringMatching(/cannot trace \(identifier (apiKey|k)\)/)] },
      ])
    },
  )

  it.each([
    // No browser flag: any class may take an apiKey.
    'new Client({ apiKey: k })',
    // A class the flag does not name a provider for, and a local endpoint (Ollama) behind an OpenAI-style class.
    'new Whatever({ apiKey: k, dangerouslyAllowBrowser: true })',
    "new OpenAI({ apiKey: 'ollama', baseURL: 'http://localhost:11434/v1', dangerouslyAllowBrowser: true })",
    // Already routed through the relay.
    "new OpenAI({ apiKey: 'byok-relay', baseURL: byok.baseUrl('openai'), fetch: byok.fetch, dangerouslyAllowBrowser: true })",
  ])('not an untraced SDK client: %s', (source) => {
    expect(sinksOf(source)).toEqual([])
  })

  it.each([
    "const PROVIDERS = [{ id: 'openai', base: 'https://api.openai.com/v1' }]",
    "if (url.startsWith('https://api.openai.com')) log('openai')",
    "console.log('https://api.openai.com/v1/models')",
    "fetch(byok.relayUrlFor('https://api.openai.com/v1/models'), {})",
    "new URL('https://api.openai.com/v1/models')",
  ])('a provider URL that is only data is not a sink: %s', (source) => {
    expect(sinksOf(source)).toEqual([])
  })

  it('fetchEventSource to a provider is a fetch sink; fetch(settings.endpoint) with a provider key is a runtime one', () => {
    expect(
      sinksOf(
        "import { fetchEventSource } from '@microsoft/fetch-event-source'\nfetchEventSource('https://api.openai.com/v1/chat/completions', { headers: { Authorization: `Bearer ${k}` }, onmessage() {} })",
      ),
    ).toEqual([
      { kind: 'fetch', provider: 'openai', keys: ['an expression the codemod cannot trace (identifier k)'] },
    ])
    expect(
      sinksOf(
        'const key = settings.apiKey || import.meta.env.VITE_OPENAI_API_KEY\nfetch(settings.endpoint, { headers: { Authorization: `Bearer ${key}` } })',
      ),
    ).toEqual([
      {
        kind: 'fetch',
        provider: 'unknown',
        keys: [
          'an expression the codemod cannot trace (PropertyAccessExpression)',
          'env VITE_OPENAI_API_KEY',
        ],
      },
    ])
    // The own backend with its own token stays out (trap F1).
    expect(
      sinksOf('fetch(settings.endpoint, { headers: { Authorization: `Bearer ${session.token}` } })'),
    ).toEqual([])
  })
})
