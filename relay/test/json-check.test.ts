import { describe, expect, it } from 'vitest'
import { isJsonText } from '../src/proxy/json-check.js'

const parses = (bytes: Buffer): boolean => {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  try {
    JSON.parse(bytes.toString('utf8', start))
    return true
  } catch {
    return false
  }
}

const VALID = [
  '{}',
  '[]',
  ' {"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]} ',
  '0',
  '-0.5e+10',
  '1E5',
  '"\\u00e9\\n\\"\\\\\\/\\b\\f\\r\\t"',
  'true',
  'false',
  'null',
  '[1,[2,[3,{"a":[{}]}]],"x"]',
  '{"a":{"b":{"c":null}}, "d" : [ ]}',
  '"é ✓ 😀"',
  '\t\r\n[\t1\r,\n2 ]\n',
  `${'['.repeat(2000)}${']'.repeat(2000)}`,
]
const INVALID = [
  '',
  ' ',
  '{',
  '}',
  '{"a"}',
  '{"a":}',
  '{"a":1,}',
  '[1,]',
  '[,1]',
  '{a:1}',
  "{'a':1}",
  '01',
  '1.',
  '.5',
  '1e',
  '+1',
  '-',
  'tru',
  'nul',
  'True',
  'NaN',
  'Infinity',
  '"unterminated',
  '"bad \\x escape"',
  '"\\u12G4"',
  '"tab\there"',
  '{"a":1} {}',
  '[1] x',
  '{"a":1}}',
  '[[]',
  'model=gpt-4o',
  '[1 2]',
  '{"a" 1}',
  '{"a":1 "b":2}',
]

describe('isJsonText', () => {
  it.each(VALID)('accepts %j', (text) => {
    expect(isJsonText(Buffer.from(text))).toBe(true)
  })

  it.each(INVALID)('refuses %j', (text) => {
    expect(isJsonText(Buffer.from(text))).toBe(false)
  })

  it('accepts a leading UTF-8 BOM, and invalid UTF-8 inside strings as JSON.parse does after decoding', () => {
    expect(isJsonText(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]))).toBe(true)
    expect(isJsonText(Buffer.from([0x22, 0xff, 0xfe, 0x22]))).toBe(true)
    expect(isJsonText(Buffer.from([0x5b, 0xff, 0x5d]))).toBe(false)
  })

  it('agrees with JSON.parse on 30000 mutations of JSON bodies (deterministic)', () => {
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
      return Math.floor((seed / 2_147_483_648) * n)
    }
    const corpus = [...VALID, '{"model":"gpt-4o","temperature":0.7,"stop":["\\n"],"n":1,"x":-12.5e-3}']
    const disagreements: string[] = []
    const alphabet = Buffer.from('{}[]":,. -+eE0123456789abcdeflnrstu\\/\t\n\r\u00e9x')
    for (let k = 0; k < 30_000; k++) {
      const bytes = Buffer.from(corpus[random(corpus.length)]!)
      const edits = 1 + random(3)
      let mutated = bytes
      for (let e = 0; e < edits; e++) {
        const at = random(mutated.length + 1)
        const op = random(3)
        const byte = alphabet[random(alphabet.length)]!
        if (op === 0)
          mutated = Buffer.concat([mutated.subarray(0, at), Buffer.from([byte]), mutated.subarray(at)])
        else if (op === 1) mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1)])
        else if (at < mutated.length) {
          mutated = Buffer.from(mutated)
          mutated[at] = byte
        }
      }
      if (isJsonText(mutated) !== parses(mutated)) disagreements.push(mutated.toString('latin1'))
    }
    expect(disagreements).toEqual([])
  }, 60_000)
})
