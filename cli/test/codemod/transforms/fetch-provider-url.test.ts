import { describe, expect, it } from 'vitest'
import { fetchProviderUrl } from '../../../src/codemod/transforms/fetch-provider-url.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('fetch-provider-url', () => {
  for (const fixture of loadCases('fetch-provider-url')) {
    it(fixture.name, () => checkFixtureCase(fetchProviderUrl, fixture))
  }

  it('reports a provider fetch whose headers are built elsewhere instead of guessing', () => {
    const input =
      "const opts = { headers }\nexport const r = fetch('https://api.groq.com/openai/v1/chat/completions', opts)\n"
    const result = runTransform(fetchProviderUrl, input)
    expect(result.text).toBe(input)
    expect(result.changes).toBe(0)
    expect(result.diagnostics).toEqual([
      expect.objectContaining({
        file: 'src/input.ts',
        line: 2,
        reason: expect.stringMatching(/groq.*headers built elsewhere/),
      }),
    ])
  })
})

describe('fetch-provider-url: a shared ?key= URL constant', () => {
  it('is reported for manual work rather than cut under its other users', () => {
    const input = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test
      'const URL_WITH_KEY = `https://generativelanguage.googleapis.com/v1beta/models/m:generateContent?key=${k}`',
      "export const a = () => fetch(URL_WITH_KEY, { method: 'POST' })",
      'export const b = () => fetch(URL_WITH_KEY)',
      '',
    ].join('\n')
    const result = runTransform(fetchProviderUrl, input)
    expect(result.text).toBe(input)
    expect(result.diagnostics.map((d) => d.line)).toEqual([2, 3])
    expect(result.diagnostics[0]?.reason).toMatch(/URL_WITH_KEY .*several places/)
  })
})
