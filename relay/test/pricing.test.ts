import { describe, expect, it } from 'vitest'
import { PROVIDER_IDS } from '../src/index.js'
import { estimateCostUsd, findPrice, PRICES, PRICES_AS_OF } from '../src/pricing.js'

describe('price table', () => {
  it('is dated and names only known providers, each (provider, model) once', () => {
    expect(PRICES_AS_OF).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    const ids = new Set<string>(PROVIDER_IDS)
    for (const p of PRICES) {
      expect(ids.has(p.provider), p.provider).toBe(true)
      expect(p.inputPerMTok).toBeGreaterThan(0)
      expect(p.outputPerMTok).toBeGreaterThanOrEqual(p.inputPerMTok)
    }
    const keys = PRICES.map((p) => `${p.provider}/${p.model}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it.each([
    ['openai', 'gpt-4o-2024-08-06', 'gpt-4o'],
    ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai', 'o3-mini', 'o3-mini'],
    ['anthropic', 'claude-sonnet-4-5-20250929', 'claude-sonnet-4'],
    ['anthropic', 'claude-opus-4-5', 'claude-opus-4-5'],
    ['anthropic', 'claude-opus-4-1-20250805', 'claude-opus-4'],
    ['google', 'models/gemini-2.5-flash-lite', 'gemini-2.5-flash-lite'],
    ['google', 'gemini-2.5-flash', 'gemini-2.5-flash'],
  ])('%s %s is priced as %s (longest prefix)', (provider, model, expected) => {
    expect(findPrice(provider, model)?.model).toBe(expected)
  })

  it.each([
    ['openai', null],
    ['openai', 'mock-model-x'],
    ['groq', 'gpt-4o'], // the same name on another provider is another price
  ])('has no price for %s %s', (provider, model) => {
    expect(findPrice(provider, model)).toBeUndefined()
    expect(estimateCostUsd(provider, model, 1000, 1000)).toBeNull()
  })

  it('computes USD per million tokens, rounded to a millionth of a dollar', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per million.
    expect(estimateCostUsd('openai', 'gpt-4o-mini', 1_000_000, 1_000_000)).toBe(0.75)
    expect(estimateCostUsd('openai', 'gpt-4o-mini', 1_000, 500)).toBe(0.00045)
    expect(estimateCostUsd('openai', 'gpt-4o-mini', 1, 0)).toBe(0)
    expect(estimateCostUsd('anthropic', 'claude-opus-4-1', 0, 0)).toBe(0)
  })
})
