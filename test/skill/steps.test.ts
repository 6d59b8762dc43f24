import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../readme.js'

// The MCP server's step order, the one definition its prompt and tool results use (loaded without its types).
const { renderStepOrder } = (await import(new URL('../../mcp/src/steps.ts', import.meta.url).href)) as {
  renderStepOrder: (app: 'existing' | 'new') => string
}

const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8')

describe('the skill states the MCP step order the server uses', () => {
  it.each(['skill/SKILL.md', 'skill/references/mcp.md'])('%s', (path) => {
    const text = read(path)
    const order = (label: string) => text.match(new RegExp(`Order for ${label}: (.+)$`, 'm'))?.[1]?.trim()
    expect(order('an existing app')).toBe(renderStepOrder('existing'))
    expect(order('a new app')).toBe(renderStepOrder('new'))
  })

  it('the skill describes each order once, in the same words', () => {
    expect(read('skill/SKILL.md').match(/Order for an existing app:/g)).toHaveLength(1)
  })
})
