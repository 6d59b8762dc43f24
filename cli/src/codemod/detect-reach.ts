import { type CallExpression, type NewExpression, Node, type SourceFile, SyntaxKind } from 'ts-morph'
import type { KeySource } from './key-source.js'
import { PROVIDER_HOSTS } from './mappings/providers.js'
import { credentialSources, inspectHeaders, resolveProviderUrl } from './provider-url.js'

// Provider use no transform rewrites, found so it is never silent: a provider URL handed to a transport other
// than fetch/axios/an SDK (WebSocket, EventSource, XMLHttpRequest, a project's own `fetchSSE` helper), and the
// Gemini Live API of @google/genai (a WebSocket). Each one is reported with a suggestion; nothing is edited.

/** A provider host reached through a call the codemod does not rewrite. */
export interface ReachSink {
  readonly kind: 'fetch'
  readonly transport: 'reach'
  readonly call: CallExpression | NewExpression
  readonly provider: string
  /** What the call is, for the report (`new WebSocket(…)`, `fetchSSE(…)`). */
  readonly what: string
  readonly websocket: boolean
  /** An SDK client whose class the codemod cannot trace to its package (see `findUntracedSdkSink`). */
  readonly untraced?: boolean
  readonly keySources: readonly KeySource[]
}

/** Calls that read or compare a URL rather than send a request to it. */
const NOT_A_REQUEST =
  /(^|\.)(URL|RegExp|startsWith|endsWith|includes|indexOf|replace|replaceAll|match|split|concat|test|log|info|warn|error|debug|relayUrlFor|relayUrlIfProvider|baseUrl|push|set|get|has|add|setItem|getItem)$/

/** Object keys that carry a request's URL in a config object (`$.ajax({ url })`, `ky.create({ prefixUrl })`). */
const URL_KEYS = new Set(['url', 'baseurl', 'endpoint', 'prefixurl', 'apiurl', 'apibase', 'host', 'server'])

/** Callees other detectors own: fetch (fetch sinks), axios (axios sinks); SDK constructors are `new` with an import. */
const OWNED = /^(window\.|globalThis\.|self\.)?fetch$|^axios(\.\w+)?$/

function urlArgument(call: CallExpression | NewExpression): { provider: string; node: Node } | undefined {
  for (const arg of call.getArguments()) {
    const url = resolveProviderUrl(arg)
    if (url) return { provider: url.provider, node: arg }
    if (Node.isObjectLiteralExpression(arg)) {
      for (const prop of arg.getProperties()) {
        if (!Node.isPropertyAssignment(prop)) continue
        if (!URL_KEYS.has(prop.getName().replace(/['"]/g, '').toLowerCase())) continue
        const inner = resolveProviderUrl(prop.getInitializerOrThrow())
        if (inner) return { provider: inner.provider, node: prop }
      }
    }
  }
  return undefined
}

/** A call as the report names it: `new WebSocket(…)`, `fetchSSE(…)`, its callee cut at 40 characters. */
export function callLabel(call: CallExpression | NewExpression): string {
  const name = call.getExpression().getText()
  return `${Node.isNewExpression(call) ? 'new ' : ''}${name.length > 40 ? `${name.slice(0, 40)}…` : name}(…)`
}

/**
 * `new WebSocket('wss://generativelanguage.googleapis.com/…?key=')`, `new EventSource(providerUrl)`,
 * `xhr.open('POST', 'https://api.openai.com/…')`, `fetchSSE('https://api.openai.com/…', { headers })`: a provider
 * URL passed to something that is not fetch, axios or an SDK constructor the codemod knows.
 */
export function findReachSink(
  call: CallExpression | NewExpression,
  sdkImports: ReadonlySet<string>,
): ReachSink | undefined {
  const callee = call.getExpression()
  const name = callee.getText()
  if (OWNED.test(name) || NOT_A_REQUEST.test(name) || /^byok\./.test(name)) return undefined
  if (Node.isNewExpression(call) && sdkImports.has(name)) return undefined
  const url = urlArgument(call)
  if (!url) return undefined
  const websocket = /(^|\.)WebSocket$/.test(name)
  const init = call.getArguments()[1]
  const { authHeaders } = inspectHeaders(init)
  const resolved = resolveProviderUrl(url.node)
  return {
    kind: 'fetch',
    transport: 'reach',
    call,
    provider: url.provider,
    what: callLabel(call),
    websocket,
    keySources: resolved ? credentialSources(authHeaders, resolved) : [],
  }
}

/** `ai.live.connect(…)` on a client from @google/genai: the Gemini Live API is a WebSocket. */
export function findLiveSink(call: CallExpression, file: SourceFile): ReachSink | undefined {
  if (!/\.live\.connect$/.test(call.getExpression().getText())) return undefined
  if (!file.getImportDeclarations().some((d) => d.getModuleSpecifierValue() === '@google/genai'))
    return undefined
  return {
    kind: 'fetch',
    transport: 'reach',
    call,
    provider: 'google',
    what: `${call.getExpression().getText()}(…) (Gemini Live)`,
    websocket: true,
    keySources: [],
  }
}

/** True when a string in the file spells a provider API origin (a provider table beside a runtime-URL fetch). */
export function mentionsProviderHost(file: SourceFile): boolean {
  const hosts = Object.keys(PROVIDER_HOSTS)
  return file
    .getDescendantsOfKind(SyntaxKind.StringLiteral)
    .concat(file.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral) as never[])
    .some((literal) => {
      const text = literal.getLiteralText()
      return hosts.some((host) => text.includes(`://${host}`))
    })
}
