// The chat app's shared state, wired to the @byok/client package: the client (token, relay calls, and the key
// prompt it opens by itself on a missing or refused key, then retries the call once), the conversation, and a
// signal the keys panel listens to so it updates the moment a key is stored.

import { type ByokClient, createByok, type KeyPromptReason } from '@byok/client'
import { askForKey } from './key-dialog'
import type { ProviderId } from './providers'
import { type ChatSession, createChatSession } from './session'

export interface ChatApp {
  client: ByokClient
  chat: ChatSession
  relayUrl: string
  /**
   * Calls `listener` after a key was stored (the key dialog, or the relay's connect page); returns a function that
   * stops listening.
   */
  onKeyStored(listener: (provider: string) => void): () => void
  /**
   * Opens the key dialog (or the relay's connect page) to add or replace `provider`'s key (the keys panel's
   * buttons).
   */
  changeKey(provider: string, replacing: boolean): Promise<boolean>
}

/** What the key dialog says about why it opened (the client's reason codes, plus the panel's "replace"). */
const REASONS: Record<string, 'missing' | 'rejected' | 'replace'> = {
  key_missing: 'missing',
  key_rejected: 'rejected',
  key_replace: 'replace',
}

export function createChatApp(options: {
  relayUrl: string
  appId: string
  /**
   * The app's key-entry setting (`*_BYOK_KEY_ENTRY`): 'relay-page' has keys typed on the relay's own connect page
   * (a popup), not in the dialog above; anything else, or nothing, means the dialog.
   */
  keyEntry?: string
}): ChatApp {
  const relayUrl = options.relayUrl.replace(/\/+$/, '')
  const listeners = new Set<(provider: string) => void>()
  // The dialog has the provider check the key and stores it (POST /keys/:provider/rotate), so it answers `true`:
  // the client must not store the key a second time.
  const promptForKey = async (provider: string, reason: KeyPromptReason): Promise<true | null> => {
    const key = await askForKey({
      provider,
      reason: REASONS[reason.code] ?? 'missing',
      client,
      relayUrl,
    })
    return key === null ? null : true
  }
  const client = createByok({
    relayUrl,
    appId: options.appId,
    promptForKey,
    keyEntry: options.keyEntry === 'relay-page' ? 'relay-page' : 'dialog',
    // Whichever way the key was entered: the connect page never calls promptForKey.
    onKeyStored(provider) {
      for (const listener of listeners) listener(provider)
    },
  })
  const chat = createChatSession({ client, relayUrl })
  listeners.add((provider) => void chat.loadModels(provider as ProviderId))
  return {
    client,
    chat,
    relayUrl,
    onKeyStored(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    changeKey: (provider, replacing) =>
      client.askForKey(provider, {
        code: replacing ? 'key_replace' : 'key_missing',
        message: '',
      }),
  }
}
