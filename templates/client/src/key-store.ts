import { createObservable, type Readable } from './observable.js'
import type { ByokClient, StoredKey } from './types.js'

export interface KeysState {
  /** The user's stored keys (provider and last characters only; keys never come back from the relay). */
  keys: StoredKey[]
  loading: boolean
  error: Error | null
}

export interface KeyStore extends Readable<KeysState> {
  /** Reloads `keys` from the relay. */
  refresh(): Promise<void>
  /** Prompts for a key (dialog or `promptForKey`), stores it, reloads; false if the user cancelled. */
  askForKey(provider: string): Promise<boolean>
  deleteKey(provider: string): Promise<void>
}

/**
 * The user's stored keys as observable state, for settings screens; the framework bindings wrap it.
 * @example const keys = createKeyStore(byok); keys.subscribe(({ keys }) => render(keys)); await keys.refresh()
 */
export function createKeyStore(client: ByokClient): KeyStore {
  const state = createObservable<KeysState>({ keys: [], loading: false, error: null })
  const update = (patch: Partial<KeysState>) => state.set({ ...state.get(), ...patch })

  /** Runs one relay call with `loading` set, then reloads the list; errors land in `error`. */
  async function run<T>(action: () => Promise<T>, fallback: T): Promise<T> {
    update({ loading: true, error: null })
    try {
      const result = await action()
      update({ keys: await client.listKeys(), loading: false })
      return result
    } catch (error) {
      update({ loading: false, error: error instanceof Error ? error : new Error(String(error)) })
      return fallback
    }
  }

  return {
    get: state.get,
    subscribe: state.subscribe,
    refresh: () => run(async () => undefined, undefined),
    askForKey: (provider) => run(() => client.askForKey(provider), false),
    deleteKey: (provider) => run(() => client.deleteKey(provider), undefined),
  }
}
