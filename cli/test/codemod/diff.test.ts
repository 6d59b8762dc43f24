import { describe, expect, it } from 'vitest'
import { unifiedDiff } from '../../src/codemod/diff.js'

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a.ts', 'x\n', 'x\n')).toBe('')
  })

  it('merges changes closer than 2 × context into one hunk', () => {
    const before = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', ''].join('\n')
    const after = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11', ''].join('\n')
    expect(unifiedDiff('a.ts', before, after)).toBe(
      [
        '--- a/a.ts',
        '+++ b/a.ts',
        '@@ -2,9 +2,10 @@',
        ' 2',
        ' 3',
        ' 4',
        '-5',
        '+five',
        ' 6',
        ' 7',
        ' 8',
        ' 9',
        ' 10',
        '+11',
        '',
      ].join('\n'),
    )
  })

  it('splits distant changes into hunks with 3 lines of context', () => {
    const lines = Array.from({ length: 20 }, (_, i) => String(i + 1))
    const after = lines.map((l) => (l === '2' ? 'two' : l === '18' ? 'eighteen' : l))
    expect(unifiedDiff('a.ts', `${lines.join('\n')}\n`, `${after.join('\n')}\n`)).toBe(
      [
        '--- a/a.ts',
        '+++ b/a.ts',
        '@@ -1,5 +1,5 @@',
        ' 1',
        '-2',
        '+two',
        ' 3',
        ' 4',
        ' 5',
        '@@ -15,6 +15,6 @@',
        ' 15',
        ' 16',
        ' 17',
        '-18',
        '+eighteen',
        ' 19',
        ' 20',
        '',
      ].join('\n'),
    )
  })

  it('diffs a new file against an empty one', () => {
    expect(unifiedDiff('n.ts', '', 'a\nb\n')).toBe('--- a/n.ts\n+++ b/n.ts\n@@ -0,0 +1,2 @@\n+a\n+b\n')
  })
})
