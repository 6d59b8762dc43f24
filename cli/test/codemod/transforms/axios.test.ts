// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are source code under test
import { describe, expect, it } from 'vitest'
import { axiosProvider } from '../../../src/codemod/transforms/axios.js'
import { checkFixtureCase, loadCases, runTransform } from '../helpers.js'

describe('axios', () => {
  for (const fixture of loadCases('axios')) {
    it(fixture.name, () => checkFixtureCase(axiosProvider, fixture))
  }

  it('reports a provider key set as a default header, and a config built elsewhere', () => {
    const input = [
      "import axios from 'axios'",
      'axios.defaults.headers.common["Authorization"] = `Bearer ${process.env.NEXT_PUBLIC_OPENAI_API_KEY}`',
      "export const r = () => axios.post('https://api.openai.com/v1/chat/completions', {}, config)",
      '',
    ].join('\n')
    const result = runTransform(axiosProvider, input)
    expect(result.text).toBe(input)
    expect(result.diagnostics.map((d) => [d.line, d.reason])).toEqual([
      [3, expect.stringMatching(/not in an inline headers object/)],
      [2, expect.stringMatching(/default axios header/)],
    ])
  })

  it('rewrites axios(config) with a url property and keeps other config', () => {
    const input = [
      "import axios from 'axios'",
      "export const r = (k: string) => axios({ method: 'post', url: 'https://api.groq.com/openai/v1/chat/completions', headers: { Authorization: `Bearer ${k}` }, data: {} })",
      '',
    ].join('\n')
    expect(runTransform(axiosProvider, input).text).toBe(
      [
        "import axios from 'axios'",
        "export const r = () => axios({ adapter: byok.axiosAdapter, method: 'post', url: byok.relayUrlFor('https://api.groq.com/openai/v1/chat/completions'), data: {} })",
        '',
      ].join('\n'),
    )
  })
})
