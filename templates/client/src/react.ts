/**
 * `@byok/client/react`: hooks over the client. `useByok` gives the user's stored keys and the key prompt;
 * `useByokChat` streams a conversation with stop (abort), aborting on unmount.
 */
import { useCallback, useEffect, useMemo, useRef, useSyncExternalStore } from 'react'
import { type ChatState, type ChatTarget, createChatStore } from './chat-store.js'
import { createKeyStore, type KeysState } from './key-store.js'
import type { ByokClient } from './types.js'

export interface UseByok extends KeysState {
  refresh(): Promise<void>
  /** Opens the key prompt (the built-in dialog unless `promptForKey` was given), stores the key, reloads. */
  askForKey(provider: string): Promise<boolean>
  deleteKey(provider: string): Promise<void>
}

export interface UseByokChat extends ChatState {
  send(text: string): Promise<void>
  /** Aborts the streaming reply; the text so far stays. */
  stop(): void
  clear(): void
}

/**
 * The user's stored keys (loaded on mount) and the key prompt.
 * @example const { keys, askForKey } = useByok(byok)
 */
export function useByok(client: ByokClient): UseByok {
  const store = useMemo(() => createKeyStore(client), [client])
  const state = useSyncExternalStore(store.subscribe, store.get, store.get)
  useEffect(() => {
    void store.refresh()
  }, [store])
  return { ...state, refresh: store.refresh, askForKey: store.askForKey, deleteKey: store.deleteKey }
}

/**
 * A streaming conversation with `provider`/`model` (read at each send, so a model picker just re-renders).
 * @example const chat = useByokChat(byok, { provider: 'openai', model: 'gpt-4o-mini' }); chat.send('Hi')
 */
export function useByokChat(client: Pick<ByokClient, 'relayFetch'>, target: ChatTarget): UseByokChat {
  const latest = useRef(target)
  useEffect(() => {
    latest.current = target
  })
  const store = useMemo(() => createChatStore(client, latest.current), [client])
  const state = useSyncExternalStore(store.subscribe, store.get, store.get)
  useEffect(() => store.stop, [store])
  const send = useCallback((text: string) => store.send(text, latest.current), [store])
  return { ...state, send, stop: store.stop, clear: store.clear }
}
