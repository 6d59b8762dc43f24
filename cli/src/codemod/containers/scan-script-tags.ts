/** One `<script …>…</script>` element found in markup. */
export interface ScriptTag {
  /** Attribute names lower-cased; a bare attribute (`setup`, `module`) has the value `''`. */
  readonly attrs: ReadonlyMap<string, string>
  /** The opening tag as written (for messages). */
  readonly openTag: string
  /** Offsets of the text between the opening tag's `>` and `</script`; equal for an empty or self-closed tag. */
  readonly contentStart: number
  readonly contentEnd: number
}

/** Elements whose content is raw text: a `<script` inside them is not a tag. */
const RAW_TEXT = ['style', 'textarea', 'title']

/**
 * Finds the script elements of a `.vue`, `.svelte` or `.html` file with a small scanner instead of a parser
 * dependency (svelte-migrate does the same). It follows the HTML rule that a script ends at the first `</script`,
 * wherever it appears, skips comments and raw-text elements, and never throws: unterminated tags end the scan.
 */
export function scanScriptTags(text: string): ScriptTag[] {
  const tags: ScriptTag[] = []
  let i = 0
  while (i < text.length) {
    const lt = text.indexOf('<', i)
    if (lt === -1) break
    if (text.startsWith('<!--', lt)) {
      const close = text.indexOf('-->', lt + 4)
      if (close === -1) break
      i = close + 3
      continue
    }
    const name = /^<([a-zA-Z][a-zA-Z0-9-]*)/.exec(text.slice(lt, lt + 40))?.[1]?.toLowerCase()
    if (name !== 'script' && !RAW_TEXT.includes(name ?? '')) {
      i = lt + 1
      continue
    }
    const open = readOpenTag(text, lt + 1 + name!.length)
    if (!open) break
    if (name !== 'script') {
      i = findClose(text, name!, open.end)?.end ?? text.length
      continue
    }
    const openTag = text.slice(lt, open.end)
    if (open.selfClosing) {
      tags.push({ attrs: open.attrs, openTag, contentStart: open.end, contentEnd: open.end })
      i = open.end
      continue
    }
    const close = findClose(text, 'script', open.end)
    if (close === undefined) break
    tags.push({ attrs: open.attrs, openTag, contentStart: open.end, contentEnd: close.start })
    i = close.end
  }
  return tags
}

/** Where `</name …>` starts and ends, or undefined when the element never closes. */
function findClose(text: string, name: string, from: number): { start: number; end: number } | undefined {
  const pattern = new RegExp(`</${name}(?=[\\s/>])[^>]*>`, 'ig')
  pattern.lastIndex = from
  const match = pattern.exec(text)
  return match ? { start: match.index, end: match.index + match[0].length } : undefined
}

/** Reads attributes from just after the tag name to the closing `>`, honouring quoted values. */
function readOpenTag(
  text: string,
  from: number,
): { attrs: Map<string, string>; end: number; selfClosing: boolean } | undefined {
  const attrs = new Map<string, string>()
  let i = from
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++
  }
  while (i < text.length) {
    skipSpace()
    if (text[i] === '>') return { attrs, end: i + 1, selfClosing: false }
    if (text.startsWith('/>', i)) return { attrs, end: i + 2, selfClosing: true }
    const nameMatch = /^[^\s=>/]+/.exec(text.slice(i, i + 200))
    if (!nameMatch) {
      i++ // a stray `/` or similar: HTML ignores it
      continue
    }
    const attrName = nameMatch[0].toLowerCase()
    i += nameMatch[0].length
    skipSpace()
    if (text[i] !== '=') {
      attrs.set(attrName, '')
      continue
    }
    i++
    skipSpace()
    const quote = text[i]
    if (quote === '"' || quote === "'") {
      const end = text.indexOf(quote, i + 1)
      if (end === -1) return undefined
      attrs.set(attrName, text.slice(i + 1, end))
      i = end + 1
    } else {
      const value = /^[^\s>]*/.exec(text.slice(i))![0]
      attrs.set(attrName, value)
      i += value.length
    }
  }
  return undefined
}

/** 1-based line number of `offset` in `text`. */
export function lineAt(text: string, offset: number): number {
  let line = 1
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++
  return line
}
