'use client'

import { useEffect, useRef } from 'react'
import type { ChatApp } from '../byok-client'
import type { KeysState } from '../lib/keys'
import { PROVIDERS } from '../lib/providers'
import { describeStoredKey } from '../lib/ui'
import { Icon, ProviderMark } from './icon'
import { useReadable } from './use-readable'

const INITIAL: KeysState = { keys: null, status: '' }

/** The Keys dialog: each provider's stored key (masked), add / replace / delete, and "forget this browser". */
export function KeysPanel({ app, open, onClose }: { app: ChatApp; open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null)
  const { keys, status } = useReadable(app.keys, INITIAL)

  useEffect(() => {
    const el = dialog.current
    if (!el) return
    if (open && !el.open) {
      el.showModal()
      void app.keys.refresh()
    } else if (!open && el.open) el.close()
  }, [open, app])

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
      <ul className="key-list">
        {PROVIDERS.map((p) => {
          const stored = keys?.find((k) => k.provider === p.id)
          return (
            <li key={p.id} className="key-row" data-provider={p.id}>
              <ProviderMark logo={p.logo} provider={p.id} small />
              <div className="key-row-text">
                <strong>{p.name}</strong>
                <span className="mono">
                  {stored ? describeStoredKey(stored.hint, stored.createdAt) : keys ? 'No key' : 'Loading…'}
                </span>
              </div>
              <div className="key-row-actions">
                <button
                  type="button"
                  className="button small"
                  aria-label={`${stored ? 'Replace' : 'Add'} ${p.name} key`}
                  onClick={() => void app.chat.changeKey(p.id)}
                >
                  {stored ? 'Replace' : 'Add'}
                </button>
                {stored && (
                  <button
                    type="button"
                    className="button small danger"
                    aria-label={`Delete ${p.name} key`}
                    onClick={() => void app.keys.remove(p.id)}
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
        {status}
      </p>
      <div className="keys-footer">
        <p className="muted">
          Forgetting this browser signs it out of the relay: the keys you saved can no longer be used from
          here.
        </p>
        <button type="button" className="button small danger" onClick={() => void app.keys.forget()}>
          Forget this browser
        </button>
      </div>
    </dialog>
  )
}
