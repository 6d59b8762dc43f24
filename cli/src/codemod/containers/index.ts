import { ScriptKind } from 'ts-morph'
import { lineAt, type ScriptTag, scanScriptTags } from './scan-script-tags.js'

/**
 * A script block inside a container file, transformed as its own ts-morph SourceFile and spliced back.
 *
 * `scope` says which imports a block sees: an `outer` block (Vue `<script>`, Svelte module script) shares its imports
 * with the `inner` block of the same file (`<script setup>`, the Svelte instance script), so one import serves both.
 * HTML module scripts are each their `own` module.
 */
export interface ScriptBlock {
  /** Offsets of the block's content in the container text. */
  readonly start: number
  readonly end: number
  /** Line of the container the content starts on: block line n is container line `line + n - 1`. */
  readonly line: number
  readonly scriptKind: ScriptKind
  /** False for a classic HTML `<script>`: it cannot `import`, so nothing in it is rewritten. */
  readonly module: boolean
  readonly scope: 'outer' | 'inner' | 'own'
  /** True when the framework bundles the block itself (Astro's `<script>`), so it may import whatever the page is. */
  readonly bundled?: boolean
  /** The opening tag as written, for messages. */
  readonly tag: string
}

/** A block the codemod cannot read (a `lang` it does not parse), reported so it is never silently passed over. */
interface UnsupportedBlock {
  readonly line: number
  readonly reason: string
}

export interface ContainerScan {
  readonly blocks: readonly ScriptBlock[]
  readonly unsupported: readonly UnsupportedBlock[]
}

/** Container extensions and how each one's script blocks are classified. */
const CONTAINERS: Readonly<Record<string, (tag: ScriptTag) => Classified>> = {
  '.vue': classifyVue,
  '.svelte': classifySvelte,
  '.html': classifyHtml,
  '.htm': classifyHtml,
  '.astro': classifyAstro,
}

const CONTAINER_EXTENSIONS: readonly string[] = Object.keys(CONTAINERS)

/** True when `path` is a `.vue`, `.svelte`, `.astro` or `.html` file whose script blocks are transformed. */
export function isContainerPath(path: string): boolean {
  return CONTAINER_EXTENSIONS.some((ext) => path.endsWith(ext))
}

type Classified =
  | {
      readonly kind: 'block'
      readonly scriptKind: ScriptKind
      readonly module: boolean
      readonly scope: ScriptBlock['scope']
      readonly bundled?: boolean
    }
  | { readonly kind: 'unsupported'; readonly reason: string }
  | { readonly kind: 'ignored' }

/**
 * The script blocks of a container file, in source order.
 *
 * @example
 * scanContainer('App.vue', '<script setup lang="ts">\nconst a = 1\n</script>').blocks[0]?.scriptKind // ScriptKind.TS
 */
export function scanContainer(path: string, text: string): ContainerScan {
  const ext = CONTAINER_EXTENSIONS.find((e) => path.endsWith(e))
  const classify = ext ? CONTAINERS[ext] : undefined
  const blocks: ScriptBlock[] = []
  const unsupported: UnsupportedBlock[] = []
  if (!classify) return { blocks, unsupported }
  for (const tag of scanScriptTags(text)) {
    const classified = classify(tag)
    const line = lineAt(text, tag.contentStart)
    if (classified.kind === 'unsupported') unsupported.push({ line, reason: classified.reason })
    if (classified.kind !== 'block') continue
    blocks.push({
      start: tag.contentStart,
      end: tag.contentEnd,
      line,
      scriptKind: classified.scriptKind,
      module: classified.module,
      scope: classified.scope,
      ...(classified.bundled ? { bundled: true } : {}),
      tag: tag.openTag,
    })
  }
  return { blocks, unsupported }
}

/** `lang="…"` of an SFC block; undefined for languages ts-morph does not parse (coffee, …). */
function scriptKindOfLang(lang: string | undefined): ScriptKind | undefined {
  switch ((lang ?? 'js').trim().toLowerCase()) {
    case 'js':
    case 'javascript':
      return ScriptKind.JS
    case 'jsx':
      return ScriptKind.JSX
    case 'ts':
    case 'typescript':
      return ScriptKind.TS
    case 'tsx':
      return ScriptKind.TSX
    default:
      return undefined
  }
}

function classifySfc(tag: ScriptTag, scope: 'outer' | 'inner', lang: string | undefined): Classified {
  // An external block (`<script src="./x.ts">`) is a source file of its own, transformed where it lives.
  if (tag.attrs.has('src')) return { kind: 'ignored' }
  const scriptKind = scriptKindOfLang(lang)
  if (scriptKind === undefined) {
    return { kind: 'unsupported', reason: `${tag.openTag} is not JavaScript or TypeScript` }
  }
  return { kind: 'block', scriptKind, module: true, scope }
}

function classifyVue(tag: ScriptTag): Classified {
  return classifySfc(tag, tag.attrs.has('setup') ? 'inner' : 'outer', tag.attrs.get('lang'))
}

function classifySvelte(tag: ScriptTag): Classified {
  // Svelte 4 spells the module script `context="module"`, Svelte 5 `module`.
  const isModule = tag.attrs.get('context') === 'module' || tag.attrs.has('module')
  const type = tag.attrs.get('type')?.toLowerCase()
  const lang = tag.attrs.get('lang') ?? (type === 'text/typescript' ? 'ts' : undefined)
  return classifySfc(tag, isModule ? 'outer' : 'inner', lang)
}

/** The `type` values browsers run as classic JavaScript (HTML "JavaScript MIME type essence match"). */
const CLASSIC_TYPES = new Set([
  '',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'text/ecmascript',
  'application/ecmascript',
  'text/jscript',
  'text/livescript',
])

function classifyHtml(tag: ScriptTag): Classified {
  if (tag.attrs.has('src')) return { kind: 'ignored' }
  const type = (tag.attrs.get('type') ?? '').trim().toLowerCase()
  // importmap, JSON, templates and other data blocks are not code.
  if (type === 'module') return { kind: 'block', scriptKind: ScriptKind.JS, module: true, scope: 'own' }
  if (CLASSIC_TYPES.has(type))
    return { kind: 'block', scriptKind: ScriptKind.JS, module: false, scope: 'own' }
  return { kind: 'ignored' }
}

/**
 * Astro: a `<script>` is processed and bundled by Astro (a module of its own that may import); `is:inline` (or any
 * other attribute making it verbatim) is shipped as written, so it is a classic script. The frontmatter between the
 * `---` fences is not a script tag: it runs on the server and is never scanned.
 */
function classifyAstro(tag: ScriptTag): Classified {
  if (tag.attrs.has('src')) return { kind: 'ignored' }
  const type = (tag.attrs.get('type') ?? '').trim().toLowerCase()
  if (type !== '' && type !== 'module' && !CLASSIC_TYPES.has(type)) return { kind: 'ignored' }
  const inline = tag.attrs.has('is:inline') || [...tag.attrs.keys()].some((a) => a.startsWith('define:vars'))
  if (inline) return { kind: 'block', scriptKind: ScriptKind.JS, module: type === 'module', scope: 'own' }
  return { kind: 'block', scriptKind: ScriptKind.TS, module: true, scope: 'own', bundled: true }
}
