import { describe, expect, it } from 'vitest'
import { RelayError } from '../src/errors.js'
import { type CapRequest, narrowCaps } from '../src/services/token-caps.js'
import {
  checkScopeModel,
  checkScopeOrigin,
  checkScopeProvider,
  globCovers,
  narrowScope,
} from '../src/services/token-scope.js'
import type { TokenCap } from '../src/store/types.js'

const NOW = Date.UTC(2030, 0, 1)

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (error) {
    if (error instanceof RelayError) return error.code
    throw error
  }
}

describe('globCovers', () => {
  it.each([
    ['gpt-4o*', 'gpt-4o*', true],
    ['gpt-4o*', 'gpt-4o-mini', true],
    ['gpt-4o*', 'gpt-4o-mini*', true],
    ['*', 'anything*', true],
    ['gpt-*-mini', 'gpt-4o-mini', true],
    ['gpt-*-mini', 'gpt-*-mini', true],
    ['gpt-4o-mini', 'gpt-4o*', false],
    ['gpt-4o*', 'gpt-4*', false],
    ['gpt-4o*', '*', false],
    ['gpt-*-mini', 'gpt-*', false],
    ['claude-*', 'gpt-4o', false],
    ['openai/gpt-*', 'gpt-4o', false],
    // Regular-expression characters in a pattern are literal.
    ['gpt.4', 'gpt-4', false],
  ])('%s covers %s: %s', (parent, child, covered) => {
    expect(globCovers(parent, child)).toBe(covered)
  })
})

describe('narrowScope', () => {
  const full = { scope: null, expiresAt: null }
  const scoped = {
    scope: {
      providers: ['openai', 'anthropic'],
      models: ['gpt-4o*', 'claude-*'],
      origins: ['https://a.example'],
    },
    expiresAt: NOW + 3_600_000,
  }

  it('from a full token: takes the request as is, default expiry one hour', () => {
    expect(narrowScope(full, { providers: ['openai'] }, NOW)).toEqual({
      scope: { providers: ['openai'], models: null, origins: null },
      expiresAt: NOW + 3_600_000,
    })
  })

  it('inherits the parent lists that are omitted, and removes duplicates', () => {
    expect(narrowScope(scoped, { providers: ['openai', 'openai'], expiresIn: 60 }, NOW).scope).toEqual({
      providers: ['openai'],
      models: ['gpt-4o*', 'claude-*'],
      origins: ['https://a.example'],
    })
  })

  it.each([
    ['a provider outside', { providers: ['openai', 'google'] }],
    ['a model pattern outside', { models: ['gpt-4*'] }],
    ['every model', { models: ['*'] }],
    ['another origin', { origins: ['https://b.example'] }],
    ['a longer life', { expiresIn: 3_601 }],
  ])('refuses %s with token_scope_widen', (_label, request) => {
    expect(codeOf(() => narrowScope(scoped, request, NOW))).toBe('token_scope_widen')
  })

  it.each([
    ['a narrower model', { models: ['gpt-4o-mini'] }],
    ['the same expiry', { expiresIn: 3_600 }],
    ['one provider', { providers: ['anthropic'] }],
  ])('accepts %s', (_label, request) => {
    expect(codeOf(() => narrowScope(scoped, request, NOW))).toBeUndefined()
  })

  it('shortens the default expiry to the parent’s', () => {
    const parent = { ...scoped, expiresAt: NOW + 120_000 }
    expect(narrowScope(parent, {}, NOW).expiresAt).toBe(NOW + 120_000)
  })
})

describe('scope checks', () => {
  const scope = { providers: ['openai'], models: ['gpt-4o*'], origins: ['https://a.example'] }

  it.each([
    [() => checkScopeProvider(scope, 'openai'), undefined],
    [() => checkScopeProvider(scope, 'anthropic'), 'token_scope_provider'],
    [() => checkScopeProvider(null, 'anthropic'), undefined],
    [() => checkScopeModel(scope, 'openai', 'gpt-4o-mini'), undefined],
    [() => checkScopeModel(scope, 'openai', 'gpt-4.1'), 'token_scope_model'],
    [() => checkScopeModel(scope, 'openai', null), 'token_scope_model'],
    [() => checkScopeModel({ ...scope, models: ['openai/gpt-4o*'] }, 'openai', 'gpt-4o'), undefined],
    [() => checkScopeModel({ ...scope, models: null }, 'openai', null), undefined],
    [() => checkScopeOrigin(scope, 'https://a.example'), undefined],
    [() => checkScopeOrigin(scope, 'https://a.example.evil'), 'token_scope_origin'],
    [() => checkScopeOrigin(scope, 'http://a.example'), 'token_scope_origin'],
    [() => checkScopeOrigin(scope, undefined), 'token_scope_origin'],
    [() => checkScopeOrigin({ ...scope, origins: null }, undefined), undefined],
  ])('case %#', (check, code) => {
    expect(codeOf(check)).toBe(code)
  })
})

describe('narrowCaps', () => {
  const cap = (extra: Partial<TokenCap> = {}): TokenCap => ({
    tokenId: 'parent',
    period: 'day',
    maxRequests: 10,
    maxInputTokens: null,
    maxOutputTokens: 1000,
    ...extra,
  })

  it.each<[string, TokenCap[] | undefined, CapRequest | undefined, TokenCap[] | undefined | string]>([
    ['uncapped parent, no cap: uncapped', undefined, undefined, undefined],
    ['capped parent, no cap: inherits the parent’s caps', [cap()], undefined, [cap()]],
    [
      'uncapped parent: the cap as asked, total by default',
      undefined,
      { maxRequests: 3 },
      [cap({ tokenId: 'child', period: 'total', maxRequests: 3, maxOutputTokens: null })],
    ],
    [
      'capped parent: omitted counters and period inherit its cap',
      [cap()],
      { maxRequests: 5 },
      [cap(), cap({ tokenId: 'child', maxRequests: 5 })],
    ],
    [
      'a counter the parent leaves open may be capped',
      [cap()],
      { maxInputTokens: 50 },
      [cap(), cap({ tokenId: 'child', maxInputTokens: 50 })],
    ],
    ['more requests than the parent: widening', [cap()], { maxRequests: 11 }, 'token_scope_widen'],
    ['more output tokens: widening', [cap()], { maxOutputTokens: 1001 }, 'token_scope_widen'],
    ['another period: widening', [cap()], { period: 'total', maxRequests: 1 }, 'token_scope_widen'],
    ['a cap with no counter', undefined, { period: 'day' }, 'validation_error'],
    ['past the depth limit', Array.from({ length: 8 }, () => cap()), { maxRequests: 1 }, 'validation_error'],
  ])('%s', (_name, parent, request, expected) => {
    if (typeof expected === 'string') {
      expect(codeOf(() => narrowCaps(parent, request, 'child'))).toBe(expected)
    } else {
      expect(narrowCaps(parent, request, 'child')).toEqual(expected)
    }
  })
})
