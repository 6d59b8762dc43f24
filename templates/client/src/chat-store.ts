import { createObservable, type Readable } from './observable.js'
import { type ChatMessage, streamChat } from './stream-chat.js'
import type { ByokClient } from './types.js'

export interface ChatState {
  messages: ChatMessage[]
  /** True while a reply streams in. */
  streaming: boolean
  /** Why the last reply failed (a `ByokError` for relay and provider errors); null after a stop. */
  error: Error | null
}

export interface ChatTarget {
  provider: string
  model: string
  /** Sent as a system message before the conversation. */
  system?: string | undefined
}

export interface ChatStore extends Readable<ChatState> {
  /** Adds the user's message and streams the reply into a new assistant message; blank text is ignored. */
  send(text: string, target?: Partial<ChatTarget>): Promise<void>
  /** Aborts the reply that is streaming; the text received so far stays. */
  stop(): void
  clear(): void
}

const isAbort = (error: unknown) => error instanceof Error && error.name === 'AbortError'

/**
 * A conversation as observable state: messages, streaming, error, with send / stop. Each update is a new state
 * object (new `messages` array), as React and Svelte expect.
 * @example const chat = createChatStore(byok, { provider: 'openai', model: 'gpt-4o-mini' }); await chat.send('Hi')
 */
export function createChatStore(client: Pick<ByokClient, 'relayFetch'>, target: ChatTarget): ChatStore {
  const state = createObservable<ChatState>({ messages: [], streaming: false, error: null })
  const update = (patch: Partial<ChatState>) => state.set({ ...state.get(), ...patch })
  let controller: AbortController | undefined

  const stop = () => controller?.abort()

  async function send(text: string, override: Partial<ChatTarget> = {}): Promise<void> {
    if (text.trim() === '') return
    stop()
    const own = new AbortController()
    controller = own
    const { provider, model, system } = { ...target, ...override }
    const history: ChatMessage[] = [...state.get().messages, { role: 'user', content: text }]
    const prompt: ChatMessage[] = system ? [{ role: 'system', content: system }, ...history] : history
    let reply = ''
    const show = () => update({ messages: [...history, { role: 'assistant', content: reply }] })
    update({ streaming: true, error: null })
    show()
    try {
      for await (const delta of streamChat(client, {
        provider,
        model,
        messages: prompt,
        signal: own.signal,
      })) {
        reply += delta
        show()
      }
    } catch (error) {
      if (!isAbort(error)) {
        // A reply that never started leaves no empty bubble behind.
        if (reply === '') update({ messages: history })
        update({ error: error instanceof Error ? error : new Error(String(error)) })
      }
    } finally {
      if (controller === own) {
        controller = undefined
        update({ streaming: false })
      }
    }
  }

  return {
    get: state.get,
    subscribe: state.subscribe,
    send,
    stop,
    clear() {
      stop()
      update({ messages: [], error: null })
    },
  }
}
