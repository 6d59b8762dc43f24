import { describe, expect, it } from 'vitest'
import { AI_SDK_FACTORIES } from '../../../src/codemod/mappings/ai-sdk.js'
import { aiSdkProviders } from '../../../src/codemod/transforms/ai-sdk-providers.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('ai-sdk-providers', () => {
  for (const fixture of loadCases('ai-sdk-providers')) {
    it(fixture.name, () => checkFixtureCase(aiSdkProviders, fixture))
  }

  it.each(AI_SDK_FACTORIES.map((f) => [f.factory, f]))(
    '%s gets the relay base URL of its provider',
    (_, f) => {
      const input = `import { ${f.factory} } from '${f.module}'\nexport const p = ${f.factory}({ apiKey: key })\n`
      const { text } = runTransform(aiSdkProviders, input)
      const base = `byok.baseUrl('${f.provider}')${f.basePath ? ` + '${f.basePath}'` : ''}`
      expect(text).toBe(
        `import { ${f.factory} } from '${f.module}'\nexport const p = ${f.factory}({ apiKey: 'byok-relay', baseURL: ${base}, fetch: byok.fetch })\n`,
      )
    },
  )

  it('maps a runtime baseURL at runtime and reports default instances that need a server key', () => {
    const input = [
      "import { createOpenAI, openai } from '@ai-sdk/openai'",
      'export const custom = createOpenAI({ apiKey: cfg.apiKey, baseURL: cfg.baseURL ?? DEFAULT })',
      "export const model = openai('gpt-4o-mini')",
      '',
    ].join('\n')
    const result = runTransform(aiSdkProviders, input)
    expect(result.text).toBe(
      [
        "import { createOpenAI, openai } from '@ai-sdk/openai'",
        'export const custom = createOpenAI({ apiKey: cfg.apiKey, baseURL: byok.relayUrlIfProvider(cfg.baseURL ?? DEFAULT), fetch: byok.fetch })',
        "export const model = openai('gpt-4o-mini')",
        '',
      ].join('\n'),
    )
    expect(result.diagnostics.map((d) => [d.line, d.reason.match(/runtime|server env var/)?.[0]])).toEqual([
      [2, 'runtime'],
      [1, 'server env var'],
    ])
    expect(result.diagnostics[1]!.suggestion).toMatch(/createOpenAI\(\{ apiKey: 'byok-relay'/)
  })
})
