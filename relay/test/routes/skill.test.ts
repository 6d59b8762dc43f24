import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildTestApp } from '../helpers.js'

// The packaged skill, as the CLI hands it to the relay (the relay itself never reads skill/).
const SKILL = readFileSync(new URL('../../../skill/SKILL.md', import.meta.url), 'utf8')
const LOCAL = 'http://127.0.0.1:3000'

describe('GET /skill and /llms.txt', () => {
  it('serves the packaged SKILL.md with the relay’s own URL in place of the local relay address', async () => {
    const app = await buildTestApp({}, { skill: { markdown: SKILL } })
    const res = await app.inject({ method: 'GET', url: '/skill', headers: { host: 'relay.example.com' } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8')
    const served = res.body
    expect(SKILL).toContain(LOCAL) // otherwise the replacement below proves nothing
    expect(served).not.toContain(LOCAL)
    expect(served).toContain('RELAY_URL=http://relay.example.com npx byok mcp')
    // Same text: remove the note and put the local address back, and it is the packaged file byte for byte.
    const note = /^> Served by the byok relay at [^\n]+\n\n/m
    expect(served).toMatch(note)
    expect(served.replace(note, '').replaceAll('http://relay.example.com', LOCAL)).toBe(SKILL)
    // Still a skill: the front matter comes first.
    expect(served.startsWith('---\nname: byok\n')).toBe(true)
  })

  it('names the forwarded scheme and host behind a trusted proxy', async () => {
    const app = await buildTestApp({ TRUST_PROXY: '1' }, { skill: { markdown: SKILL } })
    const res = await app.inject({
      method: 'GET',
      url: '/llms.txt',
      headers: {
        host: 'internal:3000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'relay.example.com',
      },
    })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(res.body.startsWith('# byok relay\n\n> ')).toBe(true)
    expect(res.body).toContain('read the skill at https://relay.example.com/skill')
    expect(res.body).toContain('- [Agent skill](https://relay.example.com/skill)')
  })

  it('is absent (404 in the error shape) when the relay was started without the skill', async () => {
    const app = await buildTestApp()
    const res = await app.inject({ method: 'GET', url: '/skill' })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ code: 'not_found' })
  })
})
