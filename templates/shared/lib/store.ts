/**
 * A value that tells its subscribers when it changes. The subscribe signature is Svelte's store contract (called at
 * once with the current value), and also what React's useSyncExternalStore and a Vue shallowRef need.
 */
export interface Readable<T> {
  get(): T
  subscribe(listener: (value: T) => void): () => void
}

export interface Writable<T> extends Readable<T> {
  set(value: T): void
  update(change: (value: T) => T): void
}

export function writable<T>(initial: T): Writable<T> {
  let value = initial
  const listeners = new Set<(value: T) => void>()
  const store: Writable<T> = {
    get: () => value,
    subscribe(listener) {
      listeners.add(listener)
      listener(value)
      return () => listeners.delete(listener)
    },
    set(next) {
      if (Object.is(next, value)) return
      value = next
      for (const listener of [...listeners]) listener(value)
    },
    update: (change) => store.set(change(value)),
  }
  return store
}
