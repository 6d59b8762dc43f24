import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERRORS, type ErrorCode, RelayError } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const codes = Object.keys(ERRORS) as ErrorCode[]

/** `| \`code\` | status | when |` rows of the README's "Error codes" table, keyed by code. */
function documentedCodes(): Map<string, number> {
  const section = readme.split(/^## Error codes$/m)[1] ?? ''
  const rows = new Map<string, number>()
  for (const match of section.matchAll(/^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*\S.*\|$/gm)) {
    rows.set(match[1]!, Number(match[2]))
  }
  return rows
}

describe('error catalogue', () => {
  it('has the SPEC §3.1 codes with their statuses', () => {
    expect(ERRORS).toMatchObject({
      token_missing: { status: 401 },
      token_invalid: { status: 401 },
      token_expired: { status: 401 },
      token_revoked: { status: 401 },
      app_secret_invalid: { status: 401 },
      validation_error: { status: 400 },
      provider_unknown: { status: 400 },
      key_invalid: { status: 400 },
      key_missing: { status: 400 },
      key_rejected: { status: 422 },
      base_url_rejected: { status: 400 },
      path_forbidden: { status: 403 },
      model_forbidden: { status: 403 },
      body_too_large: { status: 413 },
      rate_limited: { status: 429 },
      upstream_unreachable: { status: 502 },
      upstream_timeout: { status: 504 },
      not_found: { status: 404 },
      internal_error: { status: 500 },
    })
  })

  it.each(codes)('%s is a 4xx/5xx with a message, and snake_case', (code) => {
    const entry: { status: number; message: string; hint?: string } = ERRORS[code]
    expect(entry.status).toBeGreaterThanOrEqual(400)
    expect(entry.status).toBeLessThan(600)
    expect(entry.message.length).toBeGreaterThan(0)
    expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/)
  })

  it.each(codes)('%s is documented in relay/README.md with its status', (code) => {
    expect(documentedCodes().get(code)).toBe(ERRORS[code].status)
  })

  it('documents no code that does not exist', () => {
    expect([...documentedCodes().keys()].sort()).toEqual([...codes].sort())
  })

  it.each(codes)('%s serialises to exactly { error, code, hint? }', (code) => {
    const entry: { message: string; hint?: string } = ERRORS[code]
    const expected =
      entry.hint === undefined
        ? { error: entry.message, code }
        : { error: entry.message, code, hint: entry.hint }
    expect(new RelayError(code).toBody()).toEqual(expected)
  })
})
