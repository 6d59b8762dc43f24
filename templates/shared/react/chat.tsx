'use client'
// Shared by the react and next templates (templates/index.json copies it into both); the directive marks a client
// component for Next and is ignored by Vite.

import { useRef, useState } from 'react'
import { getByok, RELAY_URL } from '../byok-client'
import { type ChatMessage, PROVIDERS, type ProviderId, streamChat } from '../lib/chat'
import { KeyManager } from './key-manager'

export function Chat() {
  const [provider, setProvider] = useState<ProviderId>('openai')
  const [model, setModel] = useState(PROVIDERS[0]!.models[0]!)
  const [messages, setMessages] = useState<ChatMessage[]>([])
  const [draft, setDraft] = useState('')
  const [error, setError] = useState('')
  const [streaming, setStreaming] = useState(false)
  const abort = useRef<AbortController | null>(null)
  const models = PROVIDERS.find((p) => p.id === provider)?.models ?? []

  function pickProvider(id: ProviderId) {
    setProvider(id)
    setModel(PROVIDERS.find((p) => p.id === id)?.models[0] ?? '')
  }

  async function send(event: React.FormEvent) {
    event.preventDefault()
    const text = draft.trim()
    if (!text || streaming) return
    const history: ChatMessage[] = [...messages, { role: 'user', content: text }]
    setMessages([...history, { role: 'assistant', content: '' }])
    setDraft('')
    setError('')
    setStreaming(true)
    abort.current = new AbortController()
    let reply = ''
    try {
      for await (const delta of streamChat(getByok(), {
        provider,
        model,
        messages: history,
        signal: abort.current.signal,
      })) {
        reply += delta
        setMessages([...history, { role: 'assistant', content: reply }])
      }
    } catch (caught) {
      if (!abort.current.signal.aborted) setError(caught instanceof Error ? caught.message : String(caught))
    } finally {
      setStreaming(false)
      abort.current = null
    }
  }

  return (
    <main>
      <h1>byok chat</h1>
      <p>
        Your key stays with the relay at <code>{RELAY_URL}</code>; this page never sees it after you enter it.
      </p>
      <div className="picker">
        <label>
          Provider
          <select value={provider} onChange={(e) => pickProvider(e.target.value as ProviderId)}>
            {PROVIDERS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Model
          <input list="models" value={model} onChange={(e) => setModel(e.target.value)} />
          <datalist id="models">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </label>
      </div>
      <ul className="messages" aria-live="polite">
        {messages.map((m, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: messages are append-only
          <li key={i} data-role={m.role}>
            {m.content || '…'}
          </li>
        ))}
      </ul>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form className="composer" onSubmit={send}>
        <textarea
          aria-label="Message"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          placeholder="Ask something…"
        />
        {streaming ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit">Send</button>
        )}
      </form>
      <KeyManager />
    </main>
  )
}
