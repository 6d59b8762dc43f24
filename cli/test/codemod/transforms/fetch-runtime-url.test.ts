import { describe, expect, it } from 'vitest'
import { fetchRuntimeUrl } from '../../../src/codemod/transforms/fetch-runtime-url.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('fetch-runtime-url', () => {
  for (const fixture of loadCases('fetch-runtime-url')) {
    it(fixture.name, () => checkFixtureCase(fetchRuntimeUrl, fixture))
  }

  it('always leaves a review item at the call (file, line, reason, suggestion)', () => {
    const input =
      'export const f = (base: string, k: string) =>\n  fetch(base + "/v1/messages", { headers: { "x-api-key": k } })\n'
    const result = runTransform(fetchRuntimeUrl, input)
    expect(result.text).toContain('byok.fetch(byok.relayUrlIfProvider(base + "/v1/messages"), {')
    expect(result.diagnostics).toEqual([
      {
        file: 'src/input.ts',
        line: 2,
        reason: expect.stringMatching(/chosen at runtime/),
        suggestion: expect.stringMatching(/Review/),
      },
    ])
  })
})
