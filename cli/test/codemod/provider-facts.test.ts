import { findProvider, PROVIDER_IDS } from '@byok/relay/providers'
import { describe, expect, it } from 'vitest'
import { KEY_ENV_NAME } from '../../src/codemod/mappings/providers.js'
import { fetchProviderUrl } from '../../src/codemod/transforms/fetch-provider-url.js'
import { runTransform } from './helpers.js'

// The codemod's provider tables are built from the relay's registry; these cases prove each registry fact reaches
// the codemod's behaviour, one provider at a time.
// A custom endpoint has no host and no key variable of its own.
const BUILT_IN = PROVIDER_IDS.map((id) => [id, findProvider(id)!] as const).filter(
  ([, p]) => p.hosts.length > 0,
)

describe.each(BUILT_IN)('%s', (id, provider) => {
  it.each(provider.keyEnv)('keyEnv %s is recognised as a key name, bare and with a public prefix', (name) => {
    expect(KEY_ENV_NAME.test(name), `${id} keyEnv ${name}`).toBe(true)
    expect(KEY_ENV_NAME.test(`VITE_${name}`), `${id} keyEnv VITE_${name}`).toBe(true)
  })

  it.each(provider.hosts)('a fetch to %s loses its auth header on the way to the relay', (host) => {
    const input = `export const r = (key: string) => fetch('https://${host}/v1/x', { headers: { '${provider.auth.header}': key } })\n`
    const result = runTransform(fetchProviderUrl, input)
    expect(result.text, `${id} auth.header ${provider.auth.header}`).toBe(
      `export const r = () => byok.fetch(byok.relayUrlFor('https://${host}/v1/x'), {})\n`,
    )
  })
})
