/**
 * A minimal unified diff (LCS on lines, common prefix/suffix trimmed first so big files with small edits stay
 * cheap). Output matches `diff -u` closely enough for `git apply` and for people: `---`/`+++` headers, `@@` hunks
 * with 3 lines of context.
 */
export function unifiedDiff(path: string, before: string, after: string, context = 3): string {
  if (before === after) return ''
  const a = splitLines(before)
  const b = splitLines(after)
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--
    endB--
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = []
  for (let i = 0; i < start; i++) ops.push({ kind: ' ', line: a[i]! })
  ops.push(...lcsOps(a.slice(start, endA), b.slice(start, endB)))
  for (let i = endA; i < a.length; i++) ops.push({ kind: ' ', line: a[i]! })

  const out = [`--- a/${path}`, `+++ b/${path}`]
  let i = 0
  while (i < ops.length) {
    if (ops[i]!.kind === ' ') {
      i++
      continue
    }
    // Grow a hunk while changes are within 2*context lines of each other.
    let hunkStart = Math.max(0, i - context)
    let j = i
    let lastChange = i
    while (j < ops.length && j - lastChange <= context * 2) {
      if (ops[j]!.kind !== ' ') lastChange = j
      j++
    }
    const hunkEnd = Math.min(ops.length, lastChange + context + 1)
    hunkStart = Math.max(0, hunkStart)
    let oldStart = 1
    let newStart = 1
    for (let k = 0; k < hunkStart; k++) {
      if (ops[k]!.kind !== '+') oldStart++
      if (ops[k]!.kind !== '-') newStart++
    }
    const hunk = ops.slice(hunkStart, hunkEnd)
    const oldCount = hunk.filter((o) => o.kind !== '+').length
    const newCount = hunk.filter((o) => o.kind !== '-').length
    out.push(
      `@@ -${oldCount ? oldStart : oldStart - 1},${oldCount} +${newCount ? newStart : newStart - 1},${newCount} @@`,
    )
    for (const op of hunk) out.push(op.kind + op.line)
    i = hunkEnd
  }
  return `${out.join('\n')}\n`
}

function splitLines(text: string): string[] {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

function lcsOps(a: string[], b: string[]): { kind: ' ' | '-' | '+'; line: string }[] {
  const n = a.length
  const m = b.length
  // lengths[i][j] = LCS of a[i..] and b[j..]
  const lengths: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1))
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i]![j] =
        a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!)
    }
  }
  const ops: { kind: ' ' | '-' | '+'; line: string }[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i]! })
      i++
      j++
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) {
      ops.push({ kind: '-', line: a[i++]! })
    } else {
      ops.push({ kind: '+', line: b[j++]! })
    }
  }
  while (i < n) ops.push({ kind: '-', line: a[i++]! })
  while (j < m) ops.push({ kind: '+', line: b[j++]! })
  return ops
}
