/**
 * A value you can read and subscribe to. `subscribe` calls `run` at once and on every change, and returns the
 * unsubscribe function: Svelte's store contract, which React's `useSyncExternalStore` and Vue refs also fit.
 */
export interface Readable<T> {
  get(): T
  subscribe(run: (value: T) => void): () => void
}

/** @internal */
export function createObservable<T>(initial: T): Readable<T> & { set(next: T): void } {
  let value = initial
  const listeners = new Set<(value: T) => void>()
  return {
    get: () => value,
    set(next) {
      value = next
      listeners.forEach((run) => {
        run(value)
      })
    },
    subscribe(run) {
      listeners.add(run)
      run(value)
      return () => {
        listeners.delete(run)
      }
    },
  }
}
