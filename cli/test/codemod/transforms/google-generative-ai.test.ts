import { describe, expect, it } from 'vitest'
import { googleGenerativeAi } from '../../../src/codemod/transforms/google-generative-ai.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('google-generative-ai', () => {
  for (const fixture of loadCases('google-generative-ai')) {
    it(fixture.name, () => checkFixtureCase(googleGenerativeAi, fixture))
  }

  // A model obtained elsewhere would keep calling Google with the placeholder key: all or nothing.
  it.each([
    ['export const genAI = new GoogleGenerativeAI(k)\ngenAI.getGenerativeModel({ model: "m" })', /exported/],
    ['const genAI = new GoogleGenerativeAI(k)\nexport const models = [genAI]', /used as/],
    [
      'const genAI = new GoogleGenerativeAI(k)\ngenAI.getGenerativeModel({ model: "m" }, requestOptions)',
      /own request options/,
    ],
    ['export function make(k: string) { return new GoogleGenerativeAI(k) }', /plain variable/],
  ])('leaves the client alone and reports: %s', (body, reason) => {
    const input = `import { GoogleGenerativeAI } from '@google/generative-ai'\n${body}\n`
    const result = runTransform(googleGenerativeAi, input)
    expect(result.text).toBe(input)
    expect(result.changes).toBe(0)
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ file: 'src/input.ts', line: 2, reason: expect.stringMatching(reason) }),
    ])
  })
})
