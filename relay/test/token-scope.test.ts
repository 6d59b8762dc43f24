import { describe, expect, it } from 'vitest'
import { RelayError } from '../src/errors.js'
import {
  checkScopeModel,
  checkScopeOrigin,
  checkScopeProvider,
  globCovers,
  narrowScope,
} from '../src/services/token-scope.js'

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
