/**
 * Whether bytes are one JSON text (RFC 8259), accepting exactly what `JSON.parse(bytes.toString('utf8'))`
 * accepts, plus a leading UTF-8 BOM. The relay must refuse a body that says `application/json` but is not,
 * yet forwards the bytes untouched and usually never needs their value: a scan that builds no string and no
 * object tree costs the hot path a fraction of `JSON.parse` and leaves nothing for the garbage collector.
 */

const OBJECT = 1
const ARRAY = 2
// Open containers; grown (rarely) and reused, so a check allocates nothing. The relay is single-threaded.
let stack = new Uint8Array(256)

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function skipWhitespace(b: Uint8Array, i: number): number {
  while (i < b.length && isWhitespace(b[i]!)) i++
  return i
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= ZERO && c <= NINE
}

function isHex(c: number | undefined): boolean {
  return c !== undefined && ((c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
}

/** `b[i]` is a quote; returns the index after the closing quote, or -1. Non-ASCII bytes pass as they decode. */
function scanString(b: Uint8Array, i: number): number {
  const n = b.length
  i++
  while (i < n) {
    const c = b[i]!
    // Most string bytes are letters and non-ASCII, all above the backslash: one comparison each.
    if (c > BACKSLASH) {
      i++
      continue
    }
    if (c === QUOTE) return i + 1
    if (c < 0x20) return -1
    if (c === BACKSLASH) {
      const e = b[i + 1]
      // " \ / b f n r t
      if (
        e === 0x22 ||
        e === 0x5c ||
        e === 0x2f ||
        e === 0x62 ||
        e === 0x66 ||
        e === 0x6e ||
        e === 0x72 ||
        e === 0x74
      ) {
        i += 2
      } else if (e === 0x75 && isHex(b[i + 2]) && isHex(b[i + 3]) && isHex(b[i + 4]) && isHex(b[i + 5])) {
        i += 6
      } else return -1
    } else i++
  }
  return -1
}

/** `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns the index after it, or -1. */
function scanNumber(b: Uint8Array, i: number): number {
  if (b[i] === MINUS) i++
  if (b[i] === ZERO) i++
  else if (isDigit(b[i])) while (isDigit(b[i])) i++
  else return -1
  if (b[i] === DOT) {
    i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++
    if (b[i] === PLUS || b[i] === MINUS) i++
    if (!isDigit(b[i])) return -1
    while (isDigit(b[i])) i++
  }
  return i
}

const TRUE = [0x74, 0x72, 0x75, 0x65]
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65]
const NULL = [0x6e, 0x75, 0x6c, 0x6c]

function scanLiteral(b: Uint8Array, i: number, word: readonly number[]): number {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word[k]) return -1
  return i + word.length
}

/** An object member's `"key" :` from `i`; returns the index after the colon, or -1. */
function scanKey(b: Uint8Array, i: number): number {
  i = skipWhitespace(b, i)
  if (b[i] !== QUOTE) return -1
  i = scanString(b, i)
  if (i < 0) return -1
  i = skipWhitespace(b, i)
  return b[i] === COLON ? i + 1 : -1
}

function push(depth: number, kind: number): void {
  if (depth === stack.length) {
    const grown = new Uint8Array(stack.length * 2)
    grown.set(stack)
    stack = grown
  }
  stack[depth] = kind
}

export function isJsonText(b: Uint8Array): boolean {
  const n = b.length
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0
  let depth = 0
  for (;;) {
    // A value starts at i.
    i = skipWhitespace(b, i)
    if (i >= n) return false
    const c = b[i]!
    if (c === OPEN_BRACE) {
      i = skipWhitespace(b, i + 1)
      if (b[i] === CLOSE_BRACE) i++
      else {
        push(depth++, OBJECT)
        i = scanKey(b, i)
        if (i < 0) return false
        continue
      }
    } else if (c === OPEN_BRACKET) {
      i = skipWhitespace(b, i + 1)
      if (b[i] === CLOSE_BRACKET) i++
      else {
        push(depth++, ARRAY)
        continue
      }
    } else {
      if (c === QUOTE) i = scanString(b, i)
      else if (c === MINUS || isDigit(c)) i = scanNumber(b, i)
      else if (c === 0x74) i = scanLiteral(b, i, TRUE)
      else if (c === 0x66) i = scanLiteral(b, i, FALSE)
      else if (c === 0x6e) i = scanLiteral(b, i, NULL)
      else return false
      if (i < 0) return false
    }
    // A value ended at i: close containers until one expects another member.
    for (;;) {
      i = skipWhitespace(b, i)
      if (depth === 0) return i === n
      const top = stack[depth - 1]
      const d = b[i]
      if (d === COMMA) {
        i = top === OBJECT ? scanKey(b, i + 1) : i + 1
        if (i < 0) return false
        break
      }
      if ((top === OBJECT && d === CLOSE_BRACE) || (top === ARRAY && d === CLOSE_BRACKET)) {
        depth--
        i++
        continue
      }
      return false
    }
  }
}
