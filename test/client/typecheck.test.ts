import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

async function tsc(project: string): Promise<{ code: number | undefined; stdout: string | undefined }> {
  const bin = `${root}node_modules/typescript/bin/tsc`
  return promisify(execFile)(process.execPath, [bin, '-p', project], { cwd: root }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code, stdout: error.stdout }),
  )
}

test('the @byok/client sources type-check under strict, erasableSyntaxOnly, noUnused* and DOM without DOM.Iterable', async () => {
  expect(await tsc('templates/client')).toEqual({ code: 0, stdout: '' })
})

// templates/client/type-tests: expectTypeOf assertions on every entry's public types, and @ts-expect-error lines
// for misuse that must stay an error (an unused one fails the check).
test('the public API type tests pass (core, chat, dialog, react, vue, svelte, ai-sdk)', async () => {
  expect(await tsc('templates/client/tsconfig.type-tests.json')).toEqual({ code: 0, stdout: '' })
})
