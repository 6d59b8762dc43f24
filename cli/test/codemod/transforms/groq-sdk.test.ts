import { describe, it } from 'vitest'
import { groqSdk } from '../../../src/codemod/transforms/groq-sdk.js'
import { checkFixtureCase, loadCases } from '../helpers.js'

describe('groq-sdk', () => {
  for (const fixture of loadCases('groq-sdk')) {
    it(fixture.name, () => checkFixtureCase(groqSdk, fixture))
  }
})
