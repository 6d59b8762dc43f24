/**
 * `@byok/client/vue`: composables over the client. `useByok` gives the user's stored keys and the key prompt;
 * `useByokChat` streams a conversation with stop (abort), aborting when the component's scope ends.
 */
import { getCurrentScope, type MaybeRefOrGetter, onScopeDispose, type Ref, shallowRef, toValue } from 'vue'
import { type ChatMessage, type ChatTarget, createChatStore } from './chat.js'
import { createKeyStore } from './key-store.js'
import type { Readable } from './observable.js'
import type { ByokClient, StoredKey } from './types.js'

/** Mirrors a store's fields into read-only refs for as long as the current scope lives. */
function track<T extends object>(store: Readable<T>): { readonly [K in keyof T]: Readonly<Ref<T[K]>> } {
  const refs = Object.fromEntries(Object.keys(store.get()).map((name) => [name, shallowRef()])) as {
    [K in keyof T]: Ref<T[K]>
  }
  const stop = store.subscribe((value) => {
    for (const name of Object.keys(refs) as (keyof T)[]) refs[name].value = value[name]
  })
  if (getCurrentScope()) onScopeDispose(stop)
  return refs
}

export interface UseByok {
  keys: Readonly<Ref<StoredKey[]>>
  loading: Readonly<Ref<boolean>>
  error: Readonly<Ref<Error | null>>
  refresh(): Promise<void>
  /** Opens the key prompt (the built-in dialog unless `promptForKey` was given), stores the key, reloads. */
  askForKey(provider: string): Promise<boolean>
  deleteKey(provider: string): Promise<void>
}

export interface UseByokChat {
  messages: Readonly<Ref<ChatMessage[]>>
  streaming: Readonly<Ref<boolean>>
  error: Readonly<Ref<Error | null>>
  send(text: string): Promise<void>
  /** Aborts the streaming reply; the text so far stays. */
  stop(): void
  clear(): void
}

/**
 * The user's stored keys (loaded at once) and the key prompt.
 * @example const { keys, askForKey } = useByok(byok)
 */
export function useByok(client: ByokClient): UseByok {
  const store = createKeyStore(client)
  const refs = track(store)
  void store.refresh()
  return { ...refs, refresh: store.refresh, askForKey: store.askForKey, deleteKey: store.deleteKey }
}

/**
 * A streaming conversation; `target` may be a ref or getter (a model picker), read at each send.
 * @example const { messages, send, stop } = useByokChat(byok, () => ({ provider: 'openai', model: model.value }))
 */
export function useByokChat(
  client: Pick<ByokClient, 'relayFetch'>,
  target: MaybeRefOrGetter<ChatTarget>,
): UseByokChat {
  const store = createChatStore(client, toValue(target))
  if (getCurrentScope()) onScopeDispose(store.stop)
  return {
    ...track(store),
    send: (text) => store.send(text, toValue(target)),
    stop: store.stop,
    clear: store.clear,
  }
}
