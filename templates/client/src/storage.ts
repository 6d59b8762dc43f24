import type { TokenStorage } from './types.js'

/** localStorage can be missing (Node) or throw on access (sandboxed iframes, some private modes). */
export function defaultStorage(): TokenStorage {
  try {
    const storage = globalThis.localStorage
    if (storage) return storage
  } catch {}
  const memory = new Map<string, string>()
  return {
    getItem: (k) => memory.get(k) ?? null,
    setItem: (k, v) => void memory.set(k, v),
    removeItem: (k) => void memory.delete(k),
  }
}
