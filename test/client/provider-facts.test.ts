import { findProvider, PROVIDER_IDS } from '@byok/relay/providers'
import { describe, expect, test } from 'vitest'
import { byokProviderSettings } from '../../templates/client/src/ai-sdk.js'
import { createByok, PROVIDER_HOSTS, SDK_BASE_PATHS } from '../../templates/client/src/index.js'
import { createMemoryStorage } from './harness.js'

// @byok/client is copied into apps that do not depend on the relay, so it keeps its own small tables. Each test
// here compares one of them with the relay's provider registry and names the provider and field that differ.

const RELAY = 'https://relay.example.com'
const PROVIDERS = PROVIDER_IDS.map((id) => [id, findProvider(id)!] as const)
/** The AI SDK provider packages among an entry's `sdkBasePaths` keys. */
const isAiSdkPackage = (name: string) => name.startsWith('@ai-sdk/') || name.endsWith('/ai-sdk-provider')

function createClient(sent: Headers[] = []) {
  return createByok({
    relayUrl: RELAY,
    appId: 'facts',
    storage: createMemoryStorage(),
    getToken: async () => 'byok_rt_facts',
    fetch: async (_url, init) => {
      sent.push(new Headers(init?.headers))
      return new Response('{}', { headers: { 'content-type': 'application/json' } })
    },
  })
}

describe('the browser helper’s provider tables match the registry', () => {
  test('PROVIDER_HOSTS: every registry host, mapped to its provider, and nothing else', () => {
    for (const [id, provider] of PROVIDERS)
      for (const host of provider.hosts) expect(PROVIDER_HOSTS[host], `${id} hosts ${host}`).toBe(id)
    const hosts = new Set(PROVIDERS.flatMap(([, p]) => p.hosts))
    for (const host of Object.keys(PROVIDER_HOSTS))
      expect(hosts.has(host), `PROVIDER_HOSTS ${host}`).toBe(true)
  })

  test('SDK_BASE_PATHS: the OpenAI SDK path of each provider (sdkBasePaths.openai)', () => {
    for (const [id, provider] of PROVIDERS)
      expect(SDK_BASE_PATHS[id] ?? '', `${id} sdkBasePaths.openai`).toBe(provider.sdkBasePaths.openai ?? '')
    for (const id of Object.keys(SDK_BASE_PATHS)) expect(PROVIDER_IDS, `SDK_BASE_PATHS ${id}`).toContain(id)
  })

  test('byokProviderSettings: each AI SDK package’s base path', () => {
    const byok = createClient()
    for (const [id, provider] of PROVIDERS)
      for (const [name, path] of Object.entries(provider.sdkBasePaths).filter(([n]) => isAiSdkPackage(n)))
        expect(byokProviderSettings(byok, id).baseURL, `${id} sdkBasePaths['${name}']`).toBe(
          byok.baseUrl(id) + path,
        )
  })

  test('fetch: every provider’s auth header is dropped before the call reaches the relay', async () => {
    const sent: Headers[] = []
    const byok = createClient(sent)
    for (const [id, provider] of PROVIDERS) {
      await byok.fetch(`${RELAY}/relay/${id}/x`, { headers: { [provider.auth.header]: 'provider-key' } })
      expect(sent.at(-1)?.get(provider.auth.header), `${id} auth.header ${provider.auth.header}`).toBeNull()
      expect(sent.at(-1)?.get('x-relay-token')).toBe('byok_rt_facts')
    }
  })
})
