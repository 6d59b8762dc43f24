import { describe, expect, it } from 'vitest'
import { openaiSdk } from '../../../src/codemod/transforms/openai-sdk.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('openai-sdk', () => {
  for (const fixture of loadCases('openai-sdk')) {
    it(fixture.name, () => checkFixtureCase(openaiSdk, fixture))
  }

  it('reports a runtime baseURL and options built elsewhere instead of guessing', () => {
    const input = [
      "import OpenAI from 'openai'",
      'export const a = new OpenAI({ apiKey: settings.key, baseURL: settings.baseUrl })',
      'export const b = new OpenAI(options)',
      '',
    ].join('\n')
    const result = runTransform(openaiSdk, input)
    expect(result.text).toBe(input)
    expect(result.changes).toBe(0)
    expect(result.diagnostics.map((d) => [d.file, d.line])).toEqual([
      ['src/input.ts', 2],
      ['src/input.ts', 3],
    ])
    expect(result.diagnostics[0]?.reason).toMatch(/runtime/)
    expect(result.diagnostics[1]?.suggestion).toMatch(/byok\.fetch/)
  })
})
