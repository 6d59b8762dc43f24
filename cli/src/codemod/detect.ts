import {
  type BinaryExpression,
  type CallExpression,
  type Identifier,
  type NewExpression,
  Node,
  type ObjectLiteralExpression,
  type PropertyAssignment,
  type SourceFile,
} from 'ts-morph'
import { axiosNames, findAxiosDefaultsSink, findAxiosSink } from './detect-axios.js'
import {
  callLabel,
  findLiveSink,
  findReachSink,
  mentionsProviderHost,
  type ReachSink,
} from './detect-reach.js'
import { type KeySource, traceKeySources } from './key-source.js'
import { AI_SDK_FACTORIES } from './mappings/ai-sdk.js'
import { PROVIDER_PATH_TAIL } from './mappings/http.js'
import { DETECT_ONLY_SDKS, KEY_ENV_NAME, SDK_CLIENTS, type SdkClientMapping } from './mappings/providers.js'
import {
  credentialSources,
  hasStaticOrigin,
  importBindings,
  inspectHeaders,
  type ProviderUrl,
  resolveProviderUrl,
  staticTail,
} from './provider-url.js'

export interface FetchSink {
  readonly kind: 'fetch'
  readonly transport: 'fetch'
  readonly call: CallExpression
  /**
   * `fetch` (and `window.fetch`…), or `fetchEventSource` from @microsoft/fetch-event-source, which takes the
   * fetch to use as its `fetch` option instead of being replaced.
   */
  readonly via: 'fetch' | 'fetchEventSource'
  readonly provider: string
  readonly url: ProviderUrl
  /** Auth header properties in an inline `headers: { … }` object. */
  readonly authHeaders: readonly PropertyAssignment[]
  /** The inline headers object, when there is one. */
  readonly headers?: ObjectLiteralExpression
  /** True when headers are built elsewhere (a variable, `new Headers()`): auth cannot be checked statically. */
  readonly opaqueHeaders: boolean
  readonly keySources: readonly KeySource[]
}

/**
 * `fetch(`${base}/chat/completions`, { headers: { Authorization } })` where the host is chosen at runtime: the
 * provider is unknown statically (it may be a local model server), the path and the credential say it is an AI API.
 */
export interface RuntimeFetchSink {
  readonly kind: 'fetch'
  readonly transport: 'runtime-fetch'
  readonly call: CallExpression
  readonly provider: 'unknown'
  readonly authHeaders: readonly PropertyAssignment[]
  readonly keySources: readonly KeySource[]
}

/** An axios call or instance bound for a provider host with a credential (`axios.create`, `axios.post`, `axios(…)`). */
export interface AxiosSink {
  readonly kind: 'fetch'
  readonly transport: 'axios'
  readonly call: CallExpression
  readonly provider: string
  /** `create`, `request`, `call` (`axios(config)` / `axios(url, config)`) or the HTTP method. */
  readonly method: string
  readonly url: ProviderUrl
  /** The config object literal, when there is one. */
  readonly config?: ObjectLiteralExpression
  readonly headers?: ObjectLiteralExpression
  readonly authHeaders: readonly PropertyAssignment[]
  readonly opaqueHeaders: boolean
  readonly keySources: readonly KeySource[]
}

/** `axios.defaults.headers.common.Authorization = <provider key>`: every request of the app carries the key. */
export interface AxiosDefaultsSink {
  readonly kind: 'fetch'
  readonly transport: 'axios-defaults'
  readonly call: BinaryExpression
  readonly provider: 'unknown'
  readonly keySources: readonly KeySource[]
}

export interface SdkSink {
  readonly kind: 'sdk'
  /** The constructor call, the factory call (`createOpenAI({…})`), or a default-instance import binding. */
  readonly node: NewExpression | CallExpression | Identifier
  readonly provider: string
  /** The class, factory or instance name as imported. */
  readonly className: string
  readonly module: string
  /** The mapping when a transform can rewrite it; undefined for detect-only SDKs. */
  readonly mapping?: SdkClientMapping
  /** How the client is made: `new Class(…)`, a factory call, or an imported default instance. */
  readonly shape: 'new' | 'factory' | 'instance'
  readonly options?: ObjectLiteralExpression
  readonly keySources: readonly KeySource[]
}

export type { ReachSink }

export type Sink = FetchSink | RuntimeFetchSink | AxiosSink | AxiosDefaultsSink | SdkSink | ReachSink

const FETCH_CALLEES = new Set(['fetch', 'window.fetch', 'globalThis.fetch', 'self.fetch'])

/** Key sources that name a provider key: an env var or a storage entry that looks like one. */
function looksLikeProviderKey(sources: readonly KeySource[]): boolean {
  return sources.some(
    (s) =>
      (s.kind === 'env' && KEY_ENV_NAME.test(s.variable)) ||
      (s.kind === 'storage' &&
        /openai|anthropic|claude|gemini|groq|mistral|openrouter|deepseek|api_?key/i.test(s.detail)),
  )
}

/**
 * A fetch whose host is chosen at runtime is a provider call when it carries a credential and either its path
 * ends like a provider API, its key is a provider key (`VITE_OPENAI_API_KEY` default, `localStorage('openai_key')`),
 * or the same file spells provider origins (a settings table feeding `fetch(settings.endpoint)`). Rewriting one
 * wrongly is harmless: `relayUrlIfProvider` leaves non-provider URLs as they are.
 */
function findRuntimeFetchSink(call: CallExpression, urlArg: Node, initArg: Node | undefined) {
  if (hasStaticOrigin(urlArg)) return undefined
  const { authHeaders } = inspectHeaders(initArg)
  if (authHeaders.length === 0) return undefined
  const keySources = authHeaders.flatMap((p) => traceKeySources(p.getInitializerOrThrow()))
  const tail = staticTail(urlArg)
  const providerPath = !!tail && PROVIDER_PATH_TAIL.test(tail)
  if (!providerPath && !looksLikeProviderKey(keySources) && !mentionsProviderHost(call.getSourceFile()))
    return undefined
  return {
    kind: 'fetch',
    transport: 'runtime-fetch',
    call,
    provider: 'unknown',
    authHeaders,
    keySources,
  } as const
}

/** `fetchEventSource` imported from @microsoft/fetch-event-source (local name), if any. */
function fetchEventSourceName(imports: ReturnType<typeof importBindings>): string | undefined {
  for (const [local, binding] of imports) {
    if (binding.module === '@microsoft/fetch-event-source' && binding.exportName === 'fetchEventSource')
      return local
  }
  return undefined
}

function findFetchSink(
  call: CallExpression,
  eventSource: string | undefined,
): FetchSink | RuntimeFetchSink | undefined {
  const callee = call.getExpression().getText()
  const via = FETCH_CALLEES.has(callee) ? 'fetch' : callee === eventSource ? 'fetchEventSource' : undefined
  if (!via) return undefined
  const [urlArg, initArg] = call.getArguments()
  if (!urlArg) return undefined
  const url = resolveProviderUrl(urlArg)
  if (!url) return via === 'fetch' ? findRuntimeFetchSink(call, urlArg, initArg) : undefined
  const { headers, authHeaders, opaqueHeaders } = inspectHeaders(initArg)
  // A provider URL with no visible credential and nothing opaque is not a key sink (e.g. a public endpoint).
  if (authHeaders.length === 0 && !url.queryKey && !opaqueHeaders) return undefined
  const keySources = credentialSources(authHeaders, url)
  return {
    kind: 'fetch',
    transport: 'fetch',
    via,
    call,
    provider: url.provider,
    url,
    authHeaders,
    headers,
    opaqueHeaders,
    keySources,
  }
}

const SDK_TABLE: readonly (SdkClientMapping & { rewrite: boolean })[] = [
  ...Object.values(SDK_CLIENTS).flatMap((mappings) =>
    mappings.map((m: SdkClientMapping) => ({ ...m, rewrite: true })),
  ),
  ...DETECT_ONLY_SDKS.map((m) => ({ ...m, basePath: '', rewrite: false })),
]

/** True when a client's options (or positional key) already route through the helper (a transform's own output). */
function isIntegratedSdk(options: Node | undefined): boolean {
  if (!options) return false
  if (Node.isStringLiteral(options)) return options.getLiteralValue() === SDK_API_KEY_PLACEHOLDER
  return /\bbyok\./.test(options.getText())
}

/** The placeholder key a rewritten client carries: the relay takes the relay token from `x-relay-token` instead. */
export const SDK_API_KEY_PLACEHOLDER = 'byok-relay'

/** Option names that hold a client's endpoint, per SDK shape (`httpOptions.baseUrl` for @google/genai). */
const BASE_URL_OPTIONS = ['baseURL', 'serverURL', 'basePath'] as const

/** The node holding the client's endpoint option, if any. */
export function baseUrlOption(options: ObjectLiteralExpression): PropertyAssignment | undefined {
  for (const name of BASE_URL_OPTIONS) {
    const prop = options.getProperty(name)
    if (prop && Node.isPropertyAssignment(prop)) return prop
  }
  const http = options.getProperty('httpOptions')
  const httpValue = http && Node.isPropertyAssignment(http) ? http.getInitializer() : undefined
  if (httpValue && Node.isObjectLiteralExpression(httpValue)) {
    const prop = httpValue.getProperty('baseUrl')
    if (prop && Node.isPropertyAssignment(prop)) return prop
  }
  return undefined
}

/** A client pointed at a static non-provider endpoint (Ollama, a self-hosted server) is not a provider sink. */
function pointsElsewhere(options: ObjectLiteralExpression | undefined): boolean {
  const value = options && baseUrlOption(options)?.getInitializer()
  return !!value && hasStaticOrigin(value) && !resolveProviderUrl(value)
}

function keySourcesOf(options: ObjectLiteralExpression): KeySource[] {
  const apiKey = options.getProperty('apiKey')
  if (apiKey && Node.isPropertyAssignment(apiKey)) return traceKeySources(apiKey.getInitializerOrThrow())
  if (apiKey && Node.isShorthandPropertyAssignment(apiKey)) return traceKeySources(apiKey.getNameNode())
  return []
}

function findSdkSink(node: NewExpression, imports: ReturnType<typeof importBindings>): SdkSink | undefined {
  const binding = imports.get(node.getExpression().getText())
  if (!binding) return undefined
  const entry = SDK_TABLE.find((e) => e.module === binding.module && e.exports.includes(binding.exportName))
  if (!entry) return undefined
  const [first] = node.getArguments()
  const options = first && Node.isObjectLiteralExpression(first) ? first : undefined
  if (isIntegratedSdk(first) || pointsElsewhere(options)) return undefined
  let keySources: KeySource[] = []
  if (entry.keyArg === 'positional') {
    keySources = first ? traceKeySources(first) : []
  } else if (options) {
    keySources = keySourcesOf(options)
  } else if (first) {
    keySources = [{ kind: 'unknown', detail: 'options built elsewhere' }]
  }
  const { rewrite, ...mapping } = entry
  return {
    kind: 'sdk',
    node,
    provider: entry.provider,
    className: node.getExpression().getText(),
    module: entry.module,
    mapping: rewrite ? mapping : undefined,
    shape: 'new',
    options,
    keySources,
  }
}

/**
 * The SDK classes that take `dangerouslyAllowBrowser` (openai, @anthropic-ai/sdk, groq-sdk), by the name they are
 * exported under: `OpenAI` → openai.
 */
const BROWSER_FLAG_CLASSES: ReadonlyMap<string, string> = new Map(
  [...SDK_CLIENTS.openai, ...SDK_CLIENTS.anthropic, ...SDK_CLIENTS.groq].flatMap((m) =>
    m.exports.filter((e) => e !== 'default').map((e) => [e, m.provider] as const),
  ),
)

/**
 * `new Anthropic({ apiKey, dangerouslyAllowBrowser: true })` where `Anthropic` is not an import of the SDK package:
 * loaded at run time (`await import('https://esm.sh/…')`), a CDN global, a re-export the codemod does not follow.
 * The flag says a provider SDK runs in the browser; the class name (or a provider `baseURL`) says which one.
 * Reported, never rewritten: the codemod cannot see the options the class takes.
 */
function findUntracedSdkSink(node: NewExpression, sdkLocals: ReadonlySet<string>): ReachSink | undefined {
  const callee = node.getExpression().getText()
  if (sdkLocals.has(callee)) return undefined
  const [first] = node.getArguments()
  if (!first || !Node.isObjectLiteralExpression(first) || !first.getProperty('dangerouslyAllowBrowser'))
    return undefined
  if (isIntegratedSdk(first) || pointsElsewhere(first)) return undefined
  const base = baseUrlOption(first)?.getInitializer()
  const provider =
    (base && resolveProviderUrl(base)?.provider) ?? BROWSER_FLAG_CLASSES.get(callee.replace(/^.*\./, ''))
  if (!provider) return undefined
  return {
    kind: 'fetch',
    transport: 'reach',
    untraced: true,
    call: node,
    provider,
    what: callLabel(node),
    websocket: false,
    keySources: keySourcesOf(first),
  }
}

/** `createOpenAI({ apiKey, … })` and the other AI SDK factories: a sink when the key is passed in the browser. */
function findFactorySink(
  call: CallExpression,
  imports: ReturnType<typeof importBindings>,
): SdkSink | undefined {
  const callee = call.getExpression()
  if (!Node.isIdentifier(callee)) return undefined
  const binding = imports.get(callee.getText())
  const entry =
    binding && AI_SDK_FACTORIES.find((f) => f.module === binding.module && f.factory === binding.exportName)
  if (!entry) return undefined
  const [first] = call.getArguments()
  if (!first || !Node.isObjectLiteralExpression(first) || !first.getProperty('apiKey')) return undefined
  if (isIntegratedSdk(first) || pointsElsewhere(first)) return undefined
  return {
    kind: 'sdk',
    node: call,
    provider: entry.provider,
    className: callee.getText(),
    module: entry.module,
    mapping: {
      module: entry.module,
      exports: [entry.factory],
      provider: entry.provider,
      basePath: entry.basePath,
    },
    shape: 'factory',
    options: first,
    keySources: keySourcesOf(first),
  }
}

/** `import { openai } from '@ai-sdk/openai'`: the default instance reads the key from a server-side env var. */
function findInstanceSinks(file: SourceFile): SdkSink[] {
  const sinks: SdkSink[] = []
  for (const declaration of file.getImportDeclarations()) {
    const module = declaration.getModuleSpecifierValue()
    for (const named of declaration.getNamedImports()) {
      const entry = AI_SDK_FACTORIES.find((f) => f.module === module && f.instance === named.getName())
      if (!entry) continue
      const local = named.getAliasNode() ?? named.getNameNode()
      if (!Node.isIdentifier(local)) continue
      sinks.push({
        kind: 'sdk',
        node: local,
        provider: entry.provider,
        className: local.getText(),
        module,
        shape: 'instance',
        keySources: [],
      })
    }
  }
  return sinks
}

/**
 * Finds direct browser-side provider use by its sink: an official SDK constructor or AI SDK factory (by import,
 * not by name), a fetch or axios call to an exact provider host that carries a credential (auth header or Gemini
 * `?key=`; also `fetchEventSource`), a fetch whose host is chosen at runtime but which carries a provider credential,
 * `axios.defaults` auth headers holding a provider key, a provider URL handed to any other transport
 * (WebSocket, EventSource, XMLHttpRequest, a project's own SSE helper; reported only), and an SDK client built with
 * `dangerouslyAllowBrowser` from a class that is not an import of its package (reported only). Default AI SDK instances
 * count too (they need a server key).
 */
export function detectSinks(file: SourceFile): Sink[] {
  const imports = importBindings(file)
  const axios = axiosNames(file)
  const eventSource = fetchEventSourceName(imports)
  const sdkLocals = new Set([...imports].filter(([, b]) => SDK_MODULES.has(b.module)).map(([local]) => local))
  const sinks: Sink[] = findInstanceSinks(file)
  file.forEachDescendant((node) => {
    let sink: Sink | undefined
    if (Node.isNewExpression(node))
      sink =
        findSdkSink(node, imports) ?? findReachSink(node, sdkLocals) ?? findUntracedSdkSink(node, sdkLocals)
    else if (Node.isCallExpression(node))
      sink =
        findFetchSink(node, eventSource) ??
        findFactorySink(node, imports) ??
        findAxiosSink(node, axios) ??
        findLiveSink(node, file) ??
        (isSdkOwned(node, sdkLocals) ? undefined : findReachSink(node, sdkLocals))
    else if (Node.isBinaryExpression(node)) sink = findAxiosDefaultsSink(node, axios)
    if (sink) sinks.push(sink)
  })
  return sinks
}

/** Modules whose clients the SDK detectors own (a provider URL passed to them is their sink, not a reach). */
const SDK_MODULES: ReadonlySet<string> = new Set([
  ...SDK_TABLE.map((e) => e.module),
  ...AI_SDK_FACTORIES.map((f) => f.module),
  'axios',
  '@microsoft/fetch-event-source',
])

/** A factory call of an SDK module (`createOpenAI({ baseURL })`): its options are the SDK detector's business. */
function isSdkOwned(call: CallExpression, sdkLocals: ReadonlySet<string>): boolean {
  return sdkLocals.has(call.getExpression().getText())
}
