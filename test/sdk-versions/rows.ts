/**
 * The SDK × major-version matrix. Each row is a small browser module written the way that SDK's README shows
 * (key from a `VITE_*` env read, `dangerouslyAllowBrowser` where the SDK asks for it) exporting `ask(prompt)` (one
 * JSON call) and `streamAsk(prompt)` (one streamed call, returning the text deltas). The source always imports the
 * real package name, as an app would; `packages` says which installed copy (an npm alias in test/package.json)
 * stands in for it when the rewritten module is bundled.
 */

export type Upstream =
  | 'openai'
  | 'anthropic'
  | 'google'
  | 'groq'
  | 'mistral'
  | 'openrouter'
  | 'deepseek'
  | 'xai'

export interface SdkRow {
  /** `<package>@<major>`, as the matrix reports it. */
  readonly id: string
  /** Module specifier → installed package (npm alias) that plays that version. */
  readonly packages: Readonly<Record<string, string>>
  readonly upstream: Upstream
  /** The codemod step that must rewrite the module. */
  readonly transform: string
  /** The `VITE_*` variable the app read its provider key from (the rewrite must drop it). */
  readonly keyEnv: string
  readonly source: string
  /** What the provider must receive (`METHOD /path`, no query) for `ask` and `streamAsk`. */
  readonly expected: { readonly json: string; readonly stream: string }
}

/** A row the codemod only reports (no safe rewrite exists): it must show up as manual work, untouched. */
export interface ReportedRow {
  readonly id: string
  readonly keyEnv: string
  readonly source: string
}

const CHAT = 'POST /v1/chat/completions'
const GROQ_CHAT = 'POST /openai/v1/chat/completions'
const GEMINI = 'gemini-2.5-flash'
const geminiPaths = (version: string) => ({
  json: `POST /${version}/models/${GEMINI}:generateContent`,
  stream: `POST /${version}/models/${GEMINI}:streamGenerateContent`,
})

/**
 * openai ≥4 and its clones (groq-sdk): `new X({ apiKey, dangerouslyAllowBrowser })`, chat.completions; with
 * `baseURL`, the OpenAI SDK aimed at another OpenAI-compatible provider.
 */
function openaiStyle(
  module: string,
  className: string,
  keyEnv: string,
  model: string,
  baseURL?: string,
): string {
  return `import ${className} from '${module}'

const client = new ${className}({
  apiKey: import.meta.env.${keyEnv},${baseURL ? `\n  baseURL: '${baseURL}',` : ''}
  dangerouslyAllowBrowser: true,
})

export async function ask(prompt: string): Promise<string> {
  const completion = await client.chat.completions.create({
    model: '${model}',
    messages: [{ role: 'user', content: prompt }],
  })
  return completion.choices[0]?.message.content ?? ''
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const stream = await client.chat.completions.create({
    model: '${model}',
    messages: [{ role: 'user', content: prompt }],
    stream: true,
  })
  const deltas: string[] = []
  for await (const chunk of stream) {
    const text = chunk.choices[0]?.delta?.content
    if (text) deltas.push(text)
  }
  return deltas
}
`
}

/** openai ≥5 as its README opens: the Responses API (`responses.create`, `output_text`, text delta events). */
const OPENAI_RESPONSES = `import OpenAI from 'openai'

const client = new OpenAI({
  apiKey: import.meta.env.VITE_OPENAI_API_KEY,
  dangerouslyAllowBrowser: true,
})

export async function ask(prompt: string): Promise<string> {
  const response = await client.responses.create({ model: 'gpt-4o-mini', input: prompt })
  return response.output_text
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const stream = await client.responses.create({ model: 'gpt-4o-mini', input: prompt, stream: true })
  const deltas: string[] = []
  for await (const event of stream) {
    if (event.type === 'response.output_text.delta') deltas.push(event.delta)
  }
  return deltas
}
`

/** openai@3: Configuration + OpenAIApi over axios; in a browser the stream is the fetch body, read as SSE. */
const OPENAI_V3 = `import { Configuration, OpenAIApi } from 'openai'

const configuration = new Configuration({ apiKey: import.meta.env.VITE_OPENAI_API_KEY })
const openai = new OpenAIApi(configuration)

export async function ask(prompt: string): Promise<string> {
  const response = await openai.createChatCompletion({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: prompt }],
  })
  return response.data.choices[0]?.message?.content ?? ''
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const response = await openai.createChatCompletion(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }], stream: true },
    { responseType: 'stream' },
  )
  const body = response.data as unknown as ReadableStream<Uint8Array>
  const reader = body.pipeThrough(new TextDecoderStream()).getReader()
  const deltas: string[] = []
  let buffered = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    buffered += value
    const events = buffered.split('\\n\\n')
    buffered = events.pop() ?? ''
    for (const event of events) {
      const data = event.replace(/^data: /, '')
      if (data === '[DONE]') continue
      const text = JSON.parse(data).choices[0]?.delta?.content
      if (text) deltas.push(text)
    }
  }
  return deltas
}
`

const ANTHROPIC = `import Anthropic from '@anthropic-ai/sdk'

const anthropic = new Anthropic({
  apiKey: import.meta.env.VITE_ANTHROPIC_API_KEY,
  dangerouslyAllowBrowser: true,
})

export async function ask(prompt: string): Promise<string> {
  const message = await anthropic.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: prompt }],
  })
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('')
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const stream = await anthropic.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    messages: [{ role: 'user', content: prompt }],
    stream: true,
  })
  const deltas: string[] = []
  for await (const event of stream) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') deltas.push(event.delta.text)
  }
  return deltas
}
`

const MISTRAL = `import { Mistral } from '@mistralai/mistralai'

const mistral = new Mistral({ apiKey: import.meta.env.VITE_MISTRAL_API_KEY })

export async function ask(prompt: string): Promise<string> {
  const result = await mistral.chat.complete({
    model: 'mistral-small-latest',
    messages: [{ role: 'user', content: prompt }],
  })
  const content = result.choices?.[0]?.message?.content
  return typeof content === 'string' ? content : ''
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const stream = await mistral.chat.stream({
    model: 'mistral-small-latest',
    messages: [{ role: 'user', content: prompt }],
  })
  const deltas: string[] = []
  for await (const event of stream) {
    const content = event.data.choices[0]?.delta.content
    if (typeof content === 'string' && content) deltas.push(content)
  }
  return deltas
}
`

const GOOGLE_GENAI = `import { GoogleGenAI } from '@google/genai'

const ai = new GoogleGenAI({ apiKey: import.meta.env.VITE_GEMINI_API_KEY })

export async function ask(prompt: string): Promise<string> {
  const response = await ai.models.generateContent({ model: '${GEMINI}', contents: prompt })
  return response.text ?? ''
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const stream = await ai.models.generateContentStream({ model: '${GEMINI}', contents: prompt })
  const deltas: string[] = []
  for await (const chunk of stream) if (chunk.text) deltas.push(chunk.text)
  return deltas
}
`

const GOOGLE_GENERATIVE_AI = `import { GoogleGenerativeAI } from '@google/generative-ai'

const genAI = new GoogleGenerativeAI(import.meta.env.VITE_GEMINI_API_KEY)

export async function ask(prompt: string): Promise<string> {
  const model = genAI.getGenerativeModel({ model: '${GEMINI}' })
  const result = await model.generateContent(prompt)
  return result.response.text()
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const model = genAI.getGenerativeModel({ model: '${GEMINI}' })
  const result = await model.generateContentStream(prompt)
  const deltas: string[] = []
  for await (const chunk of result.stream) deltas.push(chunk.text())
  return deltas
}
`

/** Mistral's pre-1.0 client: a positional key, its own fetch. Detected and reported, not rewritten. */
const MISTRAL_V0 = `import MistralClient from '@mistralai/mistralai'

const client = new MistralClient(import.meta.env.VITE_MISTRAL_API_KEY)

export async function ask(prompt: string): Promise<string> {
  const response = await client.chat({ model: 'mistral-small-latest', messages: [{ role: 'user', content: prompt }] })
  return response.choices[0]?.message.content ?? ''
}
`

/** Vercel AI SDK: `createX({ apiKey })` from the provider package, generateText / streamText from `ai`. */
function aiSdk(module: string, factory: string, keyEnv: string, model: string): string {
  return `import { generateText, streamText } from 'ai'
import { ${factory} } from '${module}'

const provider = ${factory}({ apiKey: import.meta.env.${keyEnv} })

export async function ask(prompt: string): Promise<string> {
  const { text } = await generateText({ model: provider('${model}'), prompt })
  return text
}

export async function streamAsk(prompt: string): Promise<string[]> {
  const result = streamText({ model: provider('${model}'), prompt, onError: ({ error }) => { throw error } })
  const deltas: string[] = []
  for await (const text of result.textStream) deltas.push(text)
  return deltas
}
`
}

/** `{ module: alias }` for an npm alias, `{}` for the copy installed under the real name. */
const as = (module: string, alias?: string) => (alias ? { [module]: alias } : {})

/** openai@4 as most apps still call it (chat.completions); 5, 6 and 7 as their READMEs open (Responses). */
const openaiRows = (['openai-v4', 'openai-v5', undefined, 'openai-v7'] as const).map((alias, i): SdkRow => {
  const responses = i > 0
  const path = responses ? 'POST /v1/responses' : CHAT
  return {
    id: `openai@${i + 4}${responses ? ' (Responses)' : ''}`,
    packages: as('openai', alias),
    upstream: 'openai',
    transform: 'openai-sdk',
    keyEnv: 'VITE_OPENAI_API_KEY',
    source: responses
      ? OPENAI_RESPONSES
      : openaiStyle('openai', 'OpenAI', 'VITE_OPENAI_API_KEY', 'gpt-4o-mini'),
    expected: { json: path, stream: path },
  }
})

/** The Vercel AI SDK's providers, with the path each one calls (the OpenAI provider defaults to the Responses API). */
const AI_SDK_PROVIDERS = [
  {
    pkg: 'openai',
    factory: 'createOpenAI',
    upstream: 'openai',
    keyEnv: 'VITE_OPENAI_API_KEY',
    model: 'gpt-4o-mini',
    paths: { json: 'POST /v1/responses', stream: 'POST /v1/responses' },
  },
  {
    pkg: 'anthropic',
    factory: 'createAnthropic',
    upstream: 'anthropic',
    keyEnv: 'VITE_ANTHROPIC_API_KEY',
    model: 'claude-sonnet-4-5',
    paths: { json: 'POST /v1/messages', stream: 'POST /v1/messages' },
  },
  {
    pkg: 'google',
    factory: 'createGoogleGenerativeAI',
    upstream: 'google',
    keyEnv: 'VITE_GEMINI_API_KEY',
    model: GEMINI,
    paths: geminiPaths('v1beta'),
  },
  {
    pkg: 'groq',
    factory: 'createGroq',
    upstream: 'groq',
    keyEnv: 'VITE_GROQ_API_KEY',
    model: 'llama-3.3-70b-versatile',
    paths: { json: GROQ_CHAT, stream: GROQ_CHAT },
  },
  {
    pkg: 'mistral',
    factory: 'createMistral',
    upstream: 'mistral',
    keyEnv: 'VITE_MISTRAL_API_KEY',
    model: 'mistral-small-latest',
    paths: { json: CHAT, stream: CHAT },
  },
] as const

/** `ai` majors with the provider-package major built for each (ai@5 ↔ @ai-sdk/*@2, ai@6 ↔ 3, ai@7 ↔ 4). */
const AI_SDK_VERSIONS = [
  { ai: 5, alias: 'ai-v5', providers: 2 },
  { ai: 6, alias: 'ai-v6', providers: 3 },
  { ai: 7, alias: undefined, providers: 4 },
] as const

const aiSdkRows = AI_SDK_VERSIONS.flatMap((v) =>
  AI_SDK_PROVIDERS.map(
    (p): SdkRow => ({
      id: `ai@${v.ai} + @ai-sdk/${p.pkg}@${v.providers}`,
      packages: {
        ...as('ai', v.alias),
        ...as(`@ai-sdk/${p.pkg}`, v.alias && `ai-sdk-${p.pkg}-v${v.providers}`),
      },
      upstream: p.upstream,
      transform: 'ai-sdk-providers',
      keyEnv: p.keyEnv,
      source: aiSdk(`@ai-sdk/${p.pkg}`, p.factory, p.keyEnv, p.model),
      expected: p.paths,
    }),
  ),
)

/** Provider packages outside `@ai-sdk/*`'s five majors above, current versions only (all built for ai@7). */
const AI_SDK_MORE_PROVIDERS = [
  {
    pkg: '@ai-sdk/deepseek',
    factory: 'createDeepSeek',
    upstream: 'deepseek',
    keyEnv: 'VITE_DEEPSEEK_API_KEY',
    model: 'deepseek-chat',
    path: 'POST /chat/completions',
  },
  // xai(model) is its Responses model.
  {
    pkg: '@ai-sdk/xai',
    factory: 'createXai',
    upstream: 'xai',
    keyEnv: 'VITE_XAI_API_KEY',
    model: 'grok-4',
    path: 'POST /v1/responses',
  },
  {
    pkg: '@openrouter/ai-sdk-provider',
    factory: 'createOpenRouter',
    upstream: 'openrouter',
    keyEnv: 'VITE_OPENROUTER_API_KEY',
    model: 'openai/gpt-4o-mini',
    path: 'POST /api/v1/chat/completions',
  },
] as const

const aiSdkMoreRows = AI_SDK_MORE_PROVIDERS.map(
  (p): SdkRow => ({
    id: `ai@7 + ${p.pkg}`,
    packages: {},
    upstream: p.upstream,
    transform: 'ai-sdk-providers',
    keyEnv: p.keyEnv,
    source: aiSdk(p.pkg, p.factory, p.keyEnv, p.model),
    expected: { json: p.path, stream: p.path },
  }),
)

export const SDK_ROWS: readonly SdkRow[] = [
  {
    id: 'openai@3',
    packages: as('openai', 'openai-v3'),
    upstream: 'openai',
    transform: 'openai-v3',
    keyEnv: 'VITE_OPENAI_API_KEY',
    source: OPENAI_V3,
    expected: { json: CHAT, stream: CHAT },
  },
  ...openaiRows,
  // The OpenAI SDK aimed at OpenAI-compatible providers by baseURL: the codemod maps that URL, path and all.
  {
    id: 'openai@6 → Groq (baseURL, chat)',
    packages: {},
    upstream: 'groq',
    transform: 'openai-sdk',
    keyEnv: 'VITE_GROQ_API_KEY',
    source: openaiStyle(
      'openai',
      'OpenAI',
      'VITE_GROQ_API_KEY',
      'llama-3.3-70b-versatile',
      'https://api.groq.com/openai/v1',
    ),
    expected: { json: GROQ_CHAT, stream: GROQ_CHAT },
  },
  {
    id: 'openai@6 → OpenRouter (baseURL, chat)',
    packages: {},
    upstream: 'openrouter',
    transform: 'openai-sdk',
    keyEnv: 'VITE_OPENROUTER_API_KEY',
    source: openaiStyle(
      'openai',
      'OpenAI',
      'VITE_OPENROUTER_API_KEY',
      'openai/gpt-4o-mini',
      'https://openrouter.ai/api/v1',
    ),
    expected: { json: 'POST /api/v1/chat/completions', stream: 'POST /api/v1/chat/completions' },
  },
  ...(['anthropic-sdk-v0', undefined] as const).map(
    (alias, major): SdkRow => ({
      id: `@anthropic-ai/sdk@${major}`,
      packages: as('@anthropic-ai/sdk', alias),
      upstream: 'anthropic',
      transform: 'anthropic-sdk',
      keyEnv: 'VITE_ANTHROPIC_API_KEY',
      source: ANTHROPIC,
      expected: { json: 'POST /v1/messages', stream: 'POST /v1/messages' },
    }),
  ),
  ...(['groq-sdk-v0', undefined] as const).map(
    (alias, major): SdkRow => ({
      id: `groq-sdk@${major}`,
      packages: as('groq-sdk', alias),
      upstream: 'groq',
      transform: 'groq-sdk',
      keyEnv: 'VITE_GROQ_API_KEY',
      source: openaiStyle('groq-sdk', 'Groq', 'VITE_GROQ_API_KEY', 'llama-3.3-70b-versatile'),
      expected: { json: GROQ_CHAT, stream: GROQ_CHAT },
    }),
  ),
  ...(['mistralai-v1', undefined] as const).map(
    (alias, i): SdkRow => ({
      id: `@mistralai/mistralai@${i + 1}`,
      packages: as('@mistralai/mistralai', alias),
      upstream: 'mistral',
      transform: 'mistral-sdk',
      keyEnv: 'VITE_MISTRAL_API_KEY',
      source: MISTRAL,
      expected: { json: CHAT, stream: CHAT },
    }),
  ),
  ...([undefined, 'google-genai-v2', 'google-genai-v3'] as const).map(
    (alias, i): SdkRow => ({
      id: `@google/genai@${i + 1}`,
      packages: as('@google/genai', alias),
      upstream: 'google',
      transform: 'google-genai',
      keyEnv: 'VITE_GEMINI_API_KEY',
      source: GOOGLE_GENAI,
      // 3.x calls the stable API by default (GOOGLE_AI_API_DEFAULT_VERSION), earlier majors v1beta.
      expected: geminiPaths(i < 2 ? 'v1beta' : 'v1'),
    }),
  ),
  {
    id: '@google/generative-ai@0',
    packages: {},
    upstream: 'google',
    transform: 'google-generative-ai',
    keyEnv: 'VITE_GEMINI_API_KEY',
    source: GOOGLE_GENERATIVE_AI,
    expected: geminiPaths('v1beta'),
  },
  ...aiSdkRows,
  ...aiSdkMoreRows,
]

export const REPORTED_ROWS: readonly ReportedRow[] = [
  { id: '@mistralai/mistralai@0', keyEnv: 'VITE_MISTRAL_API_KEY', source: MISTRAL_V0 },
]
