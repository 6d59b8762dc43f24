import { KEY_VALUE_PATTERN } from './mappings/providers.js'

// Provider-key-looking literals in source text, shared by the codemod (a manual item in browser code) and
// `byok doctor` (a finding), so both say the same about the same line. Only the prefix is ever shown.

interface KeyLiteral {
  /** 1-based line in the text. */
  readonly line: number
  /** The provider prefix (`sk-proj-`, `gsk_`, `AIza`, …): never the value. */
  readonly prefix: string
  /**
   * `leak`: a provider key; `google`: an `AIza…` key that may be a public Maps/browser key (not bound to a
   * Gemini-looking name). Firebase web config keys (public by design, trap F2) are not listed at all.
   */
  readonly kind: 'leak' | 'google'
}

/** Fields only a Firebase web config has beside its `apiKey`. */
const FIREBASE_CONFIG_NEARBY = /\b(authDomain|messagingSenderId|storageBucket)\b/

/** A Google key bound to a Gemini-looking name (`GEMINI_API_KEY = 'AIza…'`, `genAiKey: "AIza…"`). */
const GEMINI_NAME = /gemini|gen_?ai|generative|google_?ai/i

export function findKeyLiteralsInText(text: string): KeyLiteral[] {
  const found: KeyLiteral[] = []
  for (const match of text.matchAll(KEY_VALUE_PATTERN)) {
    const index = match.index ?? 0
    const prefix = match[1] ?? ''
    const line = text.slice(0, index).split('\n').length
    if (prefix !== 'AIza') {
      found.push({ line, prefix, kind: 'leak' })
      continue
    }
    if (FIREBASE_CONFIG_NEARBY.test(text.slice(Math.max(0, index - 400), index + 400))) continue
    const lineStart = text.lastIndexOf('\n', index - 1) + 1
    found.push({ line, prefix, kind: GEMINI_NAME.test(text.slice(lineStart, index)) ? 'leak' : 'google' })
  }
  return found
}

/** What a person must do about a leaked key literal (shared wording for integrate and doctor). */
export function keyLiteralReason(prefix: string): string {
  return `a provider key literal (${prefix}…) in code shipped to the browser: rotate it and remove it`
}

export const KEY_LITERAL_SUGGESTION =
  'Remove it and rotate the key at the provider: it was committed and shipped (the relay stores each user’s own key)'
