import { describe, expect, it } from 'vitest'
import { googleGenai } from '../../../src/codemod/transforms/google-genai.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('google-genai', () => {
  for (const fixture of loadCases('google-genai')) {
    it(fixture.name, () => checkFixtureCase(googleGenai, fixture))
  }
})

describe('google-genai: reported, not rewritten', () => {
  it.each([
    ["new GoogleGenAI({ apiKey: k, vertexai: true, project: 'p' })", /vertexai/],
    ['new GoogleGenAI({ apiKey: k, httpOptions: opts })', /httpOptions/],
    ['new GoogleGenAI(options)', /inline options/],
  ])('%s', (construction, reason) => {
    const input = `import { GoogleGenAI } from '@google/genai'\nexport const ai = ${construction}\n`
    const result = runTransform(googleGenai, input)
    expect(result.text).toBe(input)
    expect(result.diagnostics.map((d) => d.line)).toEqual([2])
    expect(result.diagnostics[0]!.reason).toMatch(reason)
  })
})
