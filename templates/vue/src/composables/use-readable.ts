import type { Readable } from '@byok/client'
import { onScopeDispose, type ShallowRef, shallowRef } from 'vue'

/** A shared store (lib/store) as a Vue ref, unsubscribed with the component that uses it. */
export function useReadable<T>(store: Readable<T>): Readonly<ShallowRef<T>> {
  const value = shallowRef(store.get())
  onScopeDispose(store.subscribe((next) => (value.value = next)))
  return value
}
