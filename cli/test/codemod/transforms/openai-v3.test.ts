import { describe, expect, it } from 'vitest'
import { openaiV3 } from '../../../src/codemod/transforms/openai-v3.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('openai-v3', () => {
  for (const fixture of loadCases('openai-v3')) {
    it(fixture.name, () => checkFixtureCase(openaiV3, fixture))
  }
})

describe('openai-v3: runtime basePath', () => {
  it('maps a runtime basePath at runtime, keeps the key for local servers, and asks for a review', () => {
    const input = [
      "import { Configuration } from 'openai'",
      'export const c = new Configuration({ apiKey: settings.key, basePath: settings.base })',
      '',
    ].join('\n')
    const result = runTransform(openaiV3, input)
    expect(result.text).toBe(
      [
        "import { Configuration } from 'openai'",
        'export const c = new Configuration({ apiKey: settings.key, basePath: byok.relayUrlIfProvider(settings.base), baseOptions: { adapter: byok.axiosAdapter } })',
        '',
      ].join('\n'),
    )
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ line: 2, reason: expect.stringMatching(/runtime/) }),
    ])
  })
})
