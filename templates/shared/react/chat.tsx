'use client'
// Shared by the react and next templates (templates/index.json copies it into both); the directive marks a client
// component for Next and is ignored by Vite. The state and actions live in lib/session.ts; this file only renders.

import { useEffect, useRef, useState } from 'react'
import { type ChatApp, getChatApp } from '../byok-client'
import { SUGGESTIONS } from '../lib/icons'
import { handleCopyButtons, renderMarkdown } from '../lib/markdown'
import { PROVIDERS, type ProviderId, providerInfo } from '../lib/providers'
import type { ChatState, Message } from '../lib/session'
import { fitTextarea, followScroll, isSendKey } from '../lib/ui'
import { Icon, ProviderMark } from './icon'
import { KeysPanel } from './keys-panel'
import { useReadable } from './use-readable'

const INITIAL: ChatState = {
  provider: PROVIDERS[0]!.id,
  model: PROVIDERS[0]!.suggestedModels[0]!,
  messages: [],
  streaming: false,
  failure: null,
  models: {},
}

export function Chat() {
  // Created in the browser only: the client keeps a token in localStorage, which server rendering has not.
  const [app, setApp] = useState<ChatApp>()
  useEffect(() => setApp(getChatApp()), [])
  const state = useReadable(app?.chat, INITIAL)
  const [keysOpen, setKeysOpen] = useState(false)
  const [draft, setDraft] = useState('')
  const thread = useRef<HTMLElement>(null)
  const composer = useRef<HTMLTextAreaElement>(null)

  useEffect(() => {
    if (app) void app.chat.loadModels()
  }, [app])
  useEffect(() => {
    const el = thread.current
    if (!el) return
    const stopFollowing = followScroll(el)
    const stopCopy = handleCopyButtons(el)
    return () => {
      stopFollowing()
      stopCopy()
    }
  }, [])
  // biome-ignore lint/correctness/useExhaustiveDependencies: the composer is refitted whenever its text changes
  useEffect(() => {
    if (composer.current) fitTextarea(composer.current)
  }, [draft])

  const info = providerInfo(state.provider)
  const models = state.models[state.provider] ?? info.suggestedModels

  function send(text = draft) {
    if (!app || !text.trim() || state.streaming) return
    setDraft('')
    void app.chat.send(text)
  }

  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="brand-mark">
            <Icon name="brand" />
          </span>
          byok chat
        </h1>
        <div className="model-picker">
          <label className="visually-hidden" htmlFor="provider">
            Provider
          </label>
          <select
            id="provider"
            className="select"
            value={state.provider}
            onChange={(e) => app?.chat.setProvider(e.target.value as ProviderId)}
          >
            {PROVIDERS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
          <label className="visually-hidden" htmlFor="model">
            Model
          </label>
          <input
            id="model"
            className="input mono"
            list="model-options"
            value={state.model}
            spellCheck={false}
            onChange={(e) => app?.chat.setModel(e.target.value)}
          />
          <datalist id="model-options">
            {models.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
        <div className="topbar-actions">
          <button type="button" className="button" onClick={() => setKeysOpen(true)}>
            <Icon name="key" />
            <span className="label-wide">Keys</span>
          </button>
          <button type="button" className="button" onClick={() => app?.chat.newChat()}>
            <Icon name="plus" />
            <span className="label-wide">New chat</span>
          </button>
        </div>
      </header>

      <main className="thread" ref={thread} aria-label="Conversation">
        <div className="thread-inner">
          {state.messages.length === 0 ? (
            <section className="empty">
              <h2>What can I help with?</h2>
              <p className="muted">
                Replies come from {info.name} with your own API key. The first message asks for it.
              </p>
              <div className="suggestions">
                {SUGGESTIONS.map((s) => (
                  <button key={s} type="button" className="suggestion" onClick={() => send(s)}>
                    {s}
                  </button>
                ))}
              </div>
            </section>
          ) : (
            <ol className="messages" aria-live="polite" aria-busy={state.streaming}>
              {state.messages.map((m, i) => (
                <MessageItem
                  key={m.id}
                  message={m}
                  last={i === state.messages.length - 1}
                  onRetry={state.streaming ? undefined : () => void app?.chat.retry()}
                />
              ))}
            </ol>
          )}
          {state.failure && (
            <div className="notice" role="alert">
              <p>{state.failure.text}</p>
              {state.failure.kind === 'key-missing' || state.failure.kind === 'key-rejected' ? (
                <button
                  type="button"
                  className="button small"
                  onClick={() => void app?.changeKey(state.provider, state.failure?.kind === 'key-rejected')}
                >
                  <Icon name="key" />
                  {state.failure.kind === 'key-missing' ? 'Add key' : 'Replace key'}
                </button>
              ) : (
                <button type="button" className="button small" onClick={() => void app?.chat.retry()}>
                  <Icon name="retry" />
                  Retry
                </button>
              )}
            </div>
          )}
        </div>
      </main>

      <footer className="composer-area">
        <form
          className="composer"
          onSubmit={(e) => {
            e.preventDefault()
            send()
          }}
        >
          <textarea
            ref={composer}
            rows={1}
            aria-label="Message"
            placeholder={`Message ${info.name}…`}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (isSendKey(e.nativeEvent)) {
                e.preventDefault()
                send()
              }
            }}
          />
          {state.streaming ? (
            <button
              type="button"
              className="button icon-button"
              aria-label="Stop"
              onClick={() => app?.chat.stop()}
            >
              <Icon name="stop" />
            </button>
          ) : (
            <button
              type="submit"
              className="button primary icon-button"
              aria-label="Send"
              disabled={!draft.trim()}
            >
              <Icon name="send" />
            </button>
          )}
        </form>
        <p className="fineprint">
          Your key stays on this app's relay, never in this browser.{' '}
          <span className="keys-hint">
            <kbd>Enter</kbd> to send, <kbd>Shift</kbd>+<kbd>Enter</kbd> for a new line.
          </span>
        </p>
      </footer>

      {app && <KeysPanel app={app} open={keysOpen} onClose={() => setKeysOpen(false)} />}
    </div>
  )
}

function MessageItem({
  message,
  last,
  onRetry,
}: {
  message: Message
  last: boolean
  onRetry?: (() => void) | undefined
}) {
  if (message.role === 'user') {
    return (
      <li className="message" data-role="user">
        <div className="bubble">{message.content}</div>
      </li>
    )
  }
  const info = providerInfo(message.provider ?? 'openai')
  return (
    <li className="message" data-role="assistant" data-status={message.status}>
      <ProviderMark provider={info.id} logo={info.logo} label={info.name} />
      <div
        className="prose"
        // biome-ignore lint/security/noDangerouslySetInnerHtml: renderMarkdown sanitizes with DOMPurify (lib/markdown)
        dangerouslySetInnerHTML={{ __html: renderMarkdown(message.content) }}
      />
      {last && message.status !== 'streaming' && onRetry && (
        <div className="message-meta">
          {message.status === 'stopped' && <span>Stopped.</span>}
          {message.status === 'failed' && <span>Cut off.</span>}
          <button type="button" className="button ghost small" onClick={onRetry}>
            <Icon name="retry" />
            Retry
          </button>
        </div>
      )}
    </li>
  )
}
