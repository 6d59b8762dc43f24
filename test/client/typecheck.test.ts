import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, test } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

test('templates/client/byok.ts type-checks alone under strict + DOM (as it will in a user project)', async () => {
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
