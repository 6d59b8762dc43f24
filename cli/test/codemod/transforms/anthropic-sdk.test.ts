import { describe, it } from 'vitest'
import { anthropicSdk } from '../../../src/codemod/transforms/anthropic-sdk.js'
import { checkFixtureCase, loadCases } from '../helpers.js'

describe('anthropic-sdk', () => {
  for (const fixture of loadCases('anthropic-sdk')) {
    it(fixture.name, () => checkFixtureCase(anthropicSdk, fixture))
  }
})
