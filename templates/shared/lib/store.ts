import type { Readable } from '@byok/client'

export interface Writable<T> extends Readable<T> {
  set(value: T): void
  update(change: (value: T) => T): void
}

/**
 * A value that tells its subscribers when it changes: @byok/client's `Readable` (which React's
 * useSyncExternalStore, a Vue shallowRef and Svelte's `$store` all read), plus set / update.
 */
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
