import { ScriptKind } from 'ts-morph'
import { describe, expect, it } from 'vitest'
import { scanContainer } from '../../../src/codemod/containers/index.js'

/** What a test cares about in a block: its code, kind, line and how imports may be added. */
function blocksOf(path: string, text: string) {
  const scan = scanContainer(path, text)
  return {
    blocks: scan.blocks.map((b) => ({
      code: text.slice(b.start, b.end),
      kind: ScriptKind[b.scriptKind],
      line: b.line,
      module: b.module,
      scope: b.scope,
    })),
    unsupported: scan.unsupported,
  }
}

describe('scanContainer', () => {
  it.each([
    {
      name: 'vue <script setup lang="ts">',
      path: 'A.vue',
      text: '<template><p/></template>\n<script setup lang="ts">\nconst a = 1\n</script>\n',
      expected: [{ code: '\nconst a = 1\n', kind: 'TS', line: 2, module: true, scope: 'inner' }],
    },
    {
      name: 'vue <script> (JS) and <script setup lang="tsx">',
      path: 'A.vue',
      text: '<script>\nexport default {}\n</script>\n<script setup lang="tsx">\nconst b = <i/>\n</script>',
      expected: [
        { code: '\nexport default {}\n', kind: 'JS', line: 1, module: true, scope: 'outer' },
        { code: '\nconst b = <i/>\n', kind: 'TSX', line: 4, module: true, scope: 'inner' },
      ],
    },
    {
      name: 'svelte 4 module script + instance script',
      path: 'A.svelte',
      text: '<script context="module" lang="ts">\nexport const x = 1\n</script>\n\n<script>\nlet y\n</script>\n<p>{y}</p>',
      expected: [
        { code: '\nexport const x = 1\n', kind: 'TS', line: 1, module: true, scope: 'outer' },
        { code: '\nlet y\n', kind: 'JS', line: 5, module: true, scope: 'inner' },
      ],
    },
    {
      name: 'svelte 5 `<script module>` and type="text/typescript"',
      path: 'A.svelte',
      text: "<script module type='text/typescript'>let a: number</script>",
      expected: [{ code: 'let a: number', kind: 'TS', line: 1, module: true, scope: 'outer' }],
    },
    {
      name: 'html: module and classic scripts; src, importmap and JSON blocks are not code',
      path: 'index.html',
      text: [
        '<script type="importmap">{"imports":{}}</script>',
        '<script src="/main.js" type="module"></script>',
        '<script type="application/ld+json">{"a":1}</script>',
        '<script type="module">import x from "./x.js"</script>',
        '<SCRIPT type="text/javascript">var y = 1</SCRIPT>',
        '<script>var z = "</scrip" + "t>"</script >',
      ].join('\n'),
      expected: [
        { code: 'import x from "./x.js"', kind: 'JS', line: 4, module: true, scope: 'own' },
        { code: 'var y = 1', kind: 'JS', line: 5, module: false, scope: 'own' },
        { code: 'var z = "</scrip" + "t>"', kind: 'JS', line: 6, module: false, scope: 'own' },
      ],
    },
    {
      name: 'comments, raw-text elements and `>` inside attribute values are not tags',
      path: 'index.html',
      text: '<!-- <script>a()</script> -->\n<textarea><script>b()</script></textarea>\n<style>/* <script> */</style>\n<script data-x="a>b">c()</script>',
      expected: [{ code: 'c()', kind: 'JS', line: 4, module: false, scope: 'own' }],
    },
    {
      name: 'an unterminated script ends the scan without throwing',
      path: 'A.vue',
      text: '<script setup>\nconst a = 1\n',
      expected: [],
    },
    {
      name: 'an SFC block loaded from src is transformed where it lives',
      path: 'A.vue',
      text: '<script src="./a.ts"></script><script setup>\nb()\n</script>',
      expected: [{ code: '\nb()\n', kind: 'JS', line: 1, module: true, scope: 'inner' }],
    },
  ])('$name', ({ path, text, expected }) => {
    expect(blocksOf(path, text).blocks).toEqual(expected)
  })

  it('reports a block in a language it cannot parse, with its line', () => {
    expect(blocksOf('A.svelte', '<p/>\n<script lang="coffee">\na = 1\n</script>')).toEqual({
      blocks: [],
      unsupported: [{ line: 2, reason: '<script lang="coffee"> is not JavaScript or TypeScript' }],
    })
  })

  it('finds nothing in files that are not containers', () => {
    expect(scanContainer('a.ts', '<script>a()</script>').blocks).toEqual([])
  })
})
