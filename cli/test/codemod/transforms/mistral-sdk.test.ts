import { describe, expect, it } from 'vitest'
import { mistralSdk } from '../../../src/codemod/transforms/mistral-sdk.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('mistral-sdk', () => {
  for (const fixture of loadCases('mistral-sdk')) {
    it(fixture.name, () => checkFixtureCase(mistralSdk, fixture))
  }
})

describe('mistral-sdk: wired by hand', () => {
  it('reports a client with its own httpClient instead of replacing it', () => {
    const input = [
      "import { HTTPClient, Mistral } from '@mistralai/mistralai'",
      'const http = new HTTPClient()',
      'export const m = new Mistral({ apiKey: import.meta.env.VITE_MISTRAL_API_KEY, httpClient: http })',
      '',
    ].join('\n')
    const result = runTransform(mistralSdk, input)
    expect(result.text).toBe(input)
    expect(result.diagnostics.map((d) => [d.line, d.reason])).toEqual([
      [3, expect.stringMatching(/httpClient/)],
    ])
  })
})
