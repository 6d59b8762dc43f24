import { type BinaryExpression, type CallExpression, Node, type SourceFile, SyntaxKind } from 'ts-morph'
import type { AxiosDefaultsSink, AxiosSink } from './detect.js'
import { traceKeySources } from './key-source.js'
import { AXIOS_DATA_METHODS, AXIOS_URL_METHODS } from './mappings/http.js'
import { AUTH_HEADERS, KEY_ENV_NAME } from './mappings/providers.js'
import { credentialSources, inspectHeaders, resolveProviderUrl } from './provider-url.js'

/** The local names `axios` is imported as (default or namespace import). */
export function axiosNames(file: SourceFile): Set<string> {
  const names = new Set<string>()
  for (const declaration of file.getImportDeclarations()) {
    if (declaration.getModuleSpecifierValue() !== 'axios') continue
    const def = declaration.getDefaultImport() ?? declaration.getNamespaceImport()
    if (def) names.add(def.getText())
  }
  return names
}

export function findAxiosSink(call: CallExpression, axios: ReadonlySet<string>): AxiosSink | undefined {
  const callee = call.getExpression()
  let method: string
  if (Node.isIdentifier(callee) && axios.has(callee.getText())) method = 'call'
  else if (Node.isPropertyAccessExpression(callee) && axios.has(callee.getExpression().getText()))
    method = callee.getName()
  else return undefined
  const args = call.getArguments()
  let urlNode: Node | undefined
  let config: Node | undefined
  if (
    method === 'create' ||
    method === 'request' ||
    (method === 'call' && Node.isObjectLiteralExpression(args[0]))
  ) {
    config = args[0]
    if (config && Node.isObjectLiteralExpression(config)) {
      const prop = config.getProperty(method === 'create' ? 'baseURL' : 'url')
      urlNode = prop && Node.isPropertyAssignment(prop) ? prop.getInitializer() : undefined
    }
  } else if (method === 'call' || AXIOS_URL_METHODS.has(method)) {
    urlNode = args[0]
    config = args[AXIOS_DATA_METHODS.has(method) ? 2 : 1]
  } else {
    return undefined
  }
  const url = urlNode && resolveProviderUrl(urlNode)
  if (!url) return undefined
  const { headers, authHeaders, opaqueHeaders } = inspectHeaders(config)
  if (authHeaders.length === 0 && !url.queryKey && !opaqueHeaders) return undefined
  const keySources = credentialSources(authHeaders, url)
  return {
    kind: 'fetch',
    transport: 'axios',
    call,
    provider: url.provider,
    method,
    url,
    config: config && Node.isObjectLiteralExpression(config) ? config : undefined,
    headers,
    authHeaders,
    opaqueHeaders,
    keySources,
  }
}

const AXIOS_DEFAULT_HEADER =
  /^(\w+)\.defaults\.headers(?:\.common)?(?:\.([\w-]+)|\[\s*(['"`])([\w-]+)\3\s*\])$/

/** `axios.defaults.headers.common.Authorization = …` holding a provider key (an env name or a stored key). */
export function findAxiosDefaultsSink(
  node: BinaryExpression,
  axios: ReadonlySet<string>,
): AxiosDefaultsSink | undefined {
  if (node.getOperatorToken().getKind() !== SyntaxKind.EqualsToken) return undefined
  const match = AXIOS_DEFAULT_HEADER.exec(node.getLeft().getText().replace(/\s+/g, ''))
  if (!match || !axios.has(match[1]!) || !AUTH_HEADERS.has((match[2] ?? match[4] ?? '').toLowerCase()))
    return undefined
  const keySources = traceKeySources(node.getRight())
  const keyLike = keySources.some(
    (s) => (s.kind === 'env' && KEY_ENV_NAME.test(s.variable)) || s.kind === 'storage',
  )
  return keyLike
    ? { kind: 'fetch', transport: 'axios-defaults', call: node, provider: 'unknown', keySources }
    : undefined
}
