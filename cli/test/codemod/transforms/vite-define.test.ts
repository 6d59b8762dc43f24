import { describe, expect, it } from 'vitest'
import { viteDefine } from '../../../src/codemod/transforms/vite-define.js'
import { loadCases, runTransform } from '../helpers.js'

// The step only looks at vite.config.*, so its fixtures run under that name (loadCases' checker uses src/input.ts).
describe('vite-define', () => {
  for (const fixture of loadCases('vite-define')) {
    it(fixture.name, () => {
      const first = runTransform(viteDefine, fixture.input, 'vite.config.ts')
      expect(first.text).toBe(fixture.output)
      expect(first.changes > 0).toBe(fixture.input !== fixture.output)
      const second = runTransform(viteDefine, first.text, 'vite.config.ts')
      expect([second.changes, second.text]).toEqual([0, first.text])
    })
  }

  it('reports each removed entry by env name only, and ignores files that are not a vite config', () => {
    const [fixture] = loadCases('vite-define').filter((c) => c.name === 'rewrites-ai-studio')
    const result = runTransform(viteDefine, fixture!.input, 'vite.config.ts')
    expect(result.diagnostics.map((d) => [d.file, d.line, d.reason])).toEqual([
      [
        'vite.config.ts',
        10,
        "removed define 'process.env.API_KEY': it inlined GEMINI_API_KEY into the browser bundle",
      ],
      [
        'vite.config.ts',
        11,
        "removed define 'process.env.GEMINI_API_KEY': it inlined GEMINI_API_KEY into the browser bundle",
      ],
    ])
    expect(viteDefine.usesHelper).toBe(false)
    const elsewhere = runTransform(viteDefine, fixture!.input, 'src/config.ts')
    expect([elsewhere.changes, elsewhere.text]).toEqual([0, fixture!.input])
  })
})
