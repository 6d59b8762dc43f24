import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('the @byok/client sources type-check under strict, erasableSyntaxOnly, noUnused* and DOM without DOM.Iterable', async () => {
  const tsc = `${root}node_modules/typescript/bin/tsc`
  const run = await promisify(execFile)(process.execPath, [tsc, '-p', 'templates/client'], {
    cwd: root,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout }),
  )
  expect(run.stdout).toBe('')
  expect(run.code).toBe(0)
})
