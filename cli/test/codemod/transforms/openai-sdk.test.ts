import { describe, expect, it } from 'vitest'
import { openaiSdk } from '../../../src/codemod/transforms/openai-sdk.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('openai-sdk', () => {
  for (const fixture of loadCases('openai-sdk')) {
    it(fixture.name, () => checkFixtureCase(openaiSdk, fixture))
  }

  it('maps a runtime baseURL at runtime (review item) and reports options built elsewhere', () => {
    const input = [
      "import OpenAI from 'openai'",
      'export const a = new OpenAI({ apiKey: settings.key, baseURL: settings.baseUrl })',
      'export const b = new OpenAI(options)',
      '',
    ].join('\n')
    const result = runTransform(openaiSdk, input)
    expect(result.text).toBe(
      [
        "import OpenAI from 'openai'",
        'export const a = new OpenAI({ apiKey: settings.key, baseURL: byok.relayUrlIfProvider(settings.baseUrl), fetch: byok.fetch, dangerouslyAllowBrowser: true })',
        'export const b = new OpenAI(options)',
        '',
      ].join('\n'),
    )
    expect(result.changes).toBe(1)
    expect(result.diagnostics.map((d) => [d.file, d.line])).toEqual([
      ['src/input.ts', 2],
      ['src/input.ts', 3],
    ])
    expect(result.diagnostics[0]?.reason).toMatch(/runtime/)
    expect(result.diagnostics[1]?.suggestion).toMatch(/byok\.fetch/)
    expect(runTransform(openaiSdk, result.text).changes).toBe(0)
  })
})
