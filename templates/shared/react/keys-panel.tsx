'use client'

import { useByok } from '@byok/client/react'
import { useEffect, useRef, useState } from 'react'
import type { ChatApp } from '../byok-client'
import { PROVIDERS, providerInfo } from '../lib/providers'
import { describeStoredKey } from '../lib/ui'
import { mountUsageSection, type UsageSection } from '../lib/usage'
import { Icon, ProviderMark } from './icon'

/** The Keys dialog: each provider's stored key (masked), add / replace / delete, and "forget this browser". */
export function KeysPanel({ app, open, onClose }: { app: ChatApp; open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const { keys, loading, error, refresh, deleteKey } = useByok(app.client)
  const [status, setStatus] = useState('')
  // After "forget", the relay list belongs to a token this browser no longer has.
  const [forgotten, setForgotten] = useState(false)
  // "This month" is plain DOM shared by every template (lib/usage.ts); React renders its empty container only.
  const usageBox = useRef<HTMLElement>(null)
  const usage = useRef<UsageSection>(null)

  useEffect(() => {
    if (usageBox.current) usage.current = mountUsageSection(usageBox.current, app.client)
  }, [app])

  // A key stored by the dialog or the relay's connect page: the list, and this month's figures when the panel is
  // open (its Add button), follow at once.
  useEffect(
    () =>
      app.onKeyStored(
        () =>
          void refresh().then(() => {
            setForgotten(false)
            if (dialog.current?.open) void usage.current?.refresh()
          }),
      ),
    [app, refresh],
  )
  useEffect(() => {
    const el = dialog.current
    if (!el) return
    if (open && !el.open) {
      el.showModal()
      if (!forgotten) void refresh().then(() => usage.current?.refresh())
    } else if (!open && el.open) el.close()
  }, [open, forgotten, refresh])

  const shown = forgotten ? [] : keys
  async function remove(provider: string) {
    await deleteKey(provider)
    setStatus(`Your ${providerInfo(provider).name} key was deleted from the relay.`)
  }
  async function forget() {
    await app.client.forget()
    setForgotten(true)
    usage.current?.clear()
    setStatus(
      'This browser is signed out of the relay. Your next message signs it in again and asks for a key.',
    )
  }

  return (
    <dialog ref={dialog} className="modal keys-panel" aria-labelledby="keys-title" onClose={onClose}>
      <header className="modal-head">
        <div>
          <h2 id="keys-title">Your API keys</h2>
          <p className="muted">Kept encrypted on this app's relay and used only for your messages.</p>
        </div>
        <span className="spacer" />
        <button type="button" className="button ghost icon-button" aria-label="Close" onClick={onClose}>
          <Icon name="close" />
        </button>
      </header>
      <ul className="key-list" aria-busy={loading}>
        {PROVIDERS.map((p) => {
          const stored = shown.find((k) => k.provider === p.id)
          const verb = stored ? 'Replace' : 'Add'
          return (
            <li key={p.id} className="key-row" data-provider={p.id}>
              <ProviderMark logo={p.logo} provider={p.id} small />
              <div className="key-row-text">
                <strong>{p.name}</strong>
                <span className="mono">
                  {stored ? describeStoredKey(stored.hint, stored.created_at) : 'No key'}
                </span>
              </div>
              <div className="key-row-actions">
                <button
                  type="button"
                  className="button small"
                  aria-label={`${verb} ${p.name} key`}
                  onClick={() => void app.changeKey(p.id, stored !== undefined)}
                >
                  {verb}
                </button>
                {stored && (
                  <button
                    type="button"
                    className="button small danger"
                    aria-label={`Delete ${p.name} key`}
                    onClick={() => void remove(p.id)}
                  >
                    Delete
                  </button>
                )}
              </div>
            </li>
          )
        })}
      </ul>
      <p className="status-line" role="status">
        {error ? `Can't reach the relay at ${app.relayUrl} to list your keys.` : status}
      </p>
      <section ref={usageBox} />
      <div className="keys-footer">
        <p className="muted">
          Forgetting this browser signs it out of the relay: the keys you saved can no longer be used from
          here.
        </p>
        <button type="button" className="button small danger" onClick={() => void forget()}>
          Forget this browser
        </button>
      </div>
    </dialog>
  )
}
