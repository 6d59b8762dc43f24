// The chat's state and actions, shared by every template: each framework only renders it. Streams a reply, stops
// it, retries it, asks for a key when the relay has none or the provider refuses the stored one (then sends the
// message again, once), and keeps the conversation in this tab's sessionStorage. The key is never stored here.

import type { ByokClient, Readable } from '@byok/client'
import { type ChatMessage, streamChat } from '@byok/client/chat'
import { describeFailure, type Failure } from './failure'
import { PROVIDERS, type ProviderId, providerInfo } from './providers'
import { writable } from './store'

export type ChatClient = Pick<ByokClient, 'relayFetch' | 'listKeys'>

export interface Message {
  id: string
  role: 'user' | 'assistant'
  content: string
  /** Who wrote an assistant message (its mark is shown beside it). */
  provider?: ProviderId
  /** streaming: arriving now; stopped: the user pressed Stop; failed: cut off by an error. */
  status?: 'streaming' | 'stopped' | 'failed'
}

export interface ChatState {
  provider: ProviderId
  model: string
  messages: Message[]
  streaming: boolean
  failure: Failure | null
  /** The models the user's key can use, per provider, once the relay has listed them. */
  models: Partial<Record<ProviderId, string[]>>
}

export interface ChatSession extends Readable<ChatState> {
  send(text: string): Promise<void>
  stop(): void
  /** Sends the last user message again, replacing the reply that failed or was stopped. */
  retry(): Promise<void>
  newChat(): void
  setProvider(id: ProviderId): void
  setModel(model: string): void
  loadModels(provider?: ProviderId): Promise<void>
}

const STORAGE_KEY = 'byok-chat:conversation'

function sessionStore(): Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined {
  try {
    return globalThis.sessionStorage
  } catch {
    return undefined // sandboxed frames; the conversation then lives in memory only
  }
}

let nextId = 0
const newId = () => `m${Date.now().toString(36)}${(nextId++).toString(36)}`

export function createChatSession(options: { client: ChatClient; relayUrl: string }): ChatSession {
  const { client, relayUrl } = options
  const storage = sessionStore()
  const saved = (() => {
    try {
      return JSON.parse(storage?.getItem(STORAGE_KEY) ?? 'null') as Partial<ChatState> | null
    } catch {
      return null
    }
  })()
  const provider = PROVIDERS.some((p) => p.id === saved?.provider) ? saved!.provider! : PROVIDERS[0]!.id
  const state = writable<ChatState>({
    provider,
    model: saved?.model || providerInfo(provider).suggestedModels[0]!,
    // A reply that was still arriving when the tab reloaded ends where it was.
    messages: (saved?.messages ?? []).map((m) =>
      m.status === 'streaming' ? { ...m, status: 'stopped' } : m,
    ),
    streaming: false,
    failure: null,
    models: {},
  })
  let controller: AbortController | null = null

  state.subscribe(({ provider, model, messages }) => {
    try {
      storage?.setItem(STORAGE_KEY, JSON.stringify({ provider, model, messages }))
    } catch {}
  })

  const patch = (change: Partial<ChatState>) => state.update((s) => ({ ...s, ...change }))
  const patchMessage = (id: string, change: Partial<Message>) =>
    state.update((s) => ({ ...s, messages: s.messages.map((m) => (m.id === id ? { ...m, ...change } : m)) }))

  /**
   * Streams the reply to everything before it. A missing or refused key is the client's business: it opens the
   * key dialog and sends the request once more; what still fails here is shown as a sentence.
   */
  async function reply(history: Message[]): Promise<void> {
    const { provider, model } = state.get()
    const id = newId()
    controller = new AbortController()
    const signal = controller.signal
    patch({
      messages: [...history, { id, role: 'assistant', provider, content: '', status: 'streaming' }],
      streaming: true,
      failure: null,
    })
    let content = ''
    try {
      const wire: ChatMessage[] = history.map(({ role, content }) => ({ role, content }))
      for await (const delta of streamChat(client, { provider, model, messages: wire, signal })) {
        content += delta
        patchMessage(id, { content })
      }
      patchMessage(id, { status: undefined })
    } catch (error) {
      if (signal.aborted) finishReply(id, content, 'stopped', null)
      else finishReply(id, content, 'failed', describeFailure(error, { provider, model, relayUrl }))
    }
    controller = null
    patch({ streaming: false })
  }

  /** A reply with no text is dropped rather than left as an empty bubble next to the error. */
  function finishReply(id: string, content: string, status: Message['status'], failure: Failure | null) {
    state.update((s) => ({
      ...s,
      failure,
      messages:
        content === ''
          ? s.messages.filter((m) => m.id !== id)
          : s.messages.map((m) => (m.id === id ? { ...m, status } : m)),
    }))
  }

  /** Asks the provider (through the relay) which models the user's key can use; needs a stored key. */
  async function loadModels(id: ProviderId = state.get().provider): Promise<void> {
    const info = providerInfo(id)
    try {
      // Asking without a stored key would open the key dialog: only a provider the user has a key for is asked.
      if (!(await client.listKeys()).some((k) => k.provider === id)) return
      const response = await client.relayFetch(id, info.modelsPath)
      if (!response.ok) {
        await response.body?.cancel()
        return // no key yet, or the provider said no: the suggestions stay
      }
      const listed = info.readModels(await response.json()).sort()
      if (listed.length > 0) state.update((s) => ({ ...s, models: { ...s.models, [id]: listed } }))
    } catch {}
  }

  return {
    get: state.get,
    subscribe: state.subscribe,
    async send(text) {
      const content = text.trim()
      if (!content || state.get().streaming) return
      await reply([...state.get().messages, { id: newId(), role: 'user', content }])
    },
    stop: () => controller?.abort(),
    async retry() {
      const { messages, streaming } = state.get()
      if (streaming) return
      const lastUser = messages.map((m) => m.role).lastIndexOf('user')
      if (lastUser === -1) return
      await reply(messages.slice(0, lastUser + 1))
    },
    newChat() {
      controller?.abort()
      patch({ messages: [], failure: null })
      try {
        storage?.removeItem(STORAGE_KEY)
      } catch {}
    },
    setProvider(id) {
      if (id === state.get().provider) return
      patch({ provider: id, model: providerInfo(id).suggestedModels[0]!, failure: null })
      void loadModels(id)
    },
    setModel: (model) => patch({ model }),
    loadModels,
  }
}
