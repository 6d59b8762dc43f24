/**
 * `@byok/client/svelte`: Svelte stores over the client (the store contract, so `$keys` / `$chat` work in
 * Svelte 4 and in Svelte 5 components with runes; `fromStore` from `svelte/store` gives a `.current` too).
 * Imports nothing from Svelte.
 */
import { type ChatStore, type ChatTarget, createChatStore } from './chat.js'
import { createKeyStore, type KeyStore } from './key-store.js'
import type { ByokClient } from './types.js'

/**
 * The user's stored keys as a store, loaded when the first subscriber arrives; with `askForKey` / `deleteKey`.
 * @example const keys = byokKeys(byok)  // {#each $keys.keys as key}…{/each}
 */
export function byokKeys(client: ByokClient): KeyStore {
  const store = createKeyStore(client)
  let loaded = false
  return {
    ...store,
    subscribe(run) {
      const unsubscribe = store.subscribe(run)
      if (!loaded) {
        loaded = true
        void store.refresh()
      }
      return unsubscribe
    },
  }
}

/**
 * A streaming conversation as a store (`$chat.messages`, `$chat.streaming`, `$chat.error`) with send / stop.
 * The reply is aborted when the last subscriber leaves (the component is destroyed).
 * @example const chat = byokChat(byok, { provider: 'openai', model: 'gpt-4o-mini' })
 */
export function byokChat(client: Pick<ByokClient, 'relayFetch'>, target: ChatTarget): ChatStore {
  const store = createChatStore(client, target)
  let subscribers = 0
  return {
    ...store,
    subscribe(run) {
      subscribers += 1
      const unsubscribe = store.subscribe(run)
      let done = false
      return () => {
        if (done) return
        done = true
        unsubscribe()
        subscribers -= 1
        if (subscribers === 0) store.stop()
      }
    },
  }
}
