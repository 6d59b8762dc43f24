'use client'

import { useEffect, useState } from 'react'
import { getByok } from '../byok-client'

type StoredKey = Awaited<ReturnType<ReturnType<typeof getByok>['listKeys']>>[number]

/** The settings screen: which providers have a stored key (masked), delete one, or forget this browser. */
export function KeyManager() {
  const [keys, setKeys] = useState<StoredKey[]>([])
  const [status, setStatus] = useState('')

  async function refresh() {
    try {
      setKeys(await getByok().listKeys())
      setStatus('')
    } catch (caught) {
      setStatus(caught instanceof Error ? caught.message : String(caught))
    }
  }

  // biome-ignore lint/correctness/useExhaustiveDependencies: load once on mount
  useEffect(() => {
    void refresh()
  }, [])

  async function remove(provider: string) {
    await getByok().deleteKey(provider)
    await refresh()
  }

  async function forget() {
    await getByok().forget()
    setKeys([])
    setStatus('This browser is signed out of the relay; your next message registers it again.')
  }

  return (
    <section className="keys" aria-labelledby="keys-title">
      <h2 id="keys-title">Your keys</h2>
      {keys.length === 0 ? (
        <p>No key stored yet: the first message asks for one.</p>
      ) : (
        <ul>
          {keys.map((k) => (
            <li key={k.provider}>
              {k.provider} <code>…{k.hint}</code>{' '}
              <button type="button" onClick={() => void remove(k.provider)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" onClick={() => void refresh()}>
        Refresh
      </button>{' '}
      <button type="button" onClick={() => void forget()}>
        Forget this browser
      </button>
      {status && <p role="status">{status}</p>}
    </section>
  )
}
