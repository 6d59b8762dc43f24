import { afterAll, expect } from 'vitest'
import { takeLogLeaks } from './log-scan.js'

// After each test file: nothing the relays logged (at trace level) may contain a token, a key or a secret.
afterAll(() => {
  const { scanned, leaks } = takeLogLeaks()
  if (scanned > 0)
    console.log(`[secrets] ${scanned} trace-level relay log lines scanned: ${leaks.length} leaks`)
  expect(leaks).toEqual([])
})
