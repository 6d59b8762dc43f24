'use client'

import type { Readable } from '@byok/client'
import { useSyncExternalStore } from 'react'

/**
 * Subscribes a component to a shared store. `initial` is what server rendering (Next) and hydration see; the
 * browser's own state (the tab's conversation, the relay's answers) follows right after.
 */
export function useReadable<T>(store: Readable<T> | undefined, initial: T): T {
  return useSyncExternalStore(
    (onChange) => store?.subscribe(onChange) ?? (() => {}),
    () => store?.get() ?? initial,
    () => initial,
  )
}
