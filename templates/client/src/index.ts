/**
 * `@byok/client`: your app calls AI providers through a byok relay with the END USER's own key.
 *
 * The browser registers once with the relay (or gets a token from your backend) and keeps only the relay token;
 * the user's provider key goes once to `POST /keys/:provider`, is stored encrypted on the relay and never touches
 * browser storage. When the relay says no key is stored yet, the user is asked for one (the built-in
 * <byok-key-dialog> from `@byok/client/dialog` unless you pass `promptForKey`), and the call is retried once.
 *
 * @example
 * const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'my-app' })
 * const res = await byok.relayFetch('openai', '/v1/chat/completions', { method: 'POST', body: JSON.stringify(req) })
 */
export { createByok } from './client.js'
export type { ByokKeyDialogElement, KeyDialogOptions } from './dialog.js'
// Re-exported so code written for the single-file helper keeps working; unused, it is tree-shaken away.
export { defineKeyDialog, openKeyDialog } from './dialog.js'
export { ByokError, relayErrorOf } from './errors.js'
export { createKeyStore, type KeyStore, type KeysState } from './key-store.js'
export type { Readable } from './observable.js'
export { PROVIDER_HOSTS, providerName, SDK_BASE_PATHS } from './providers.js'
export type {
  AxiosAdapterConfig,
  AxiosAdapterResponse,
  Budget,
  BudgetInput,
  ByokClient,
  ByokOptions,
  KeyPromptReason,
  RejectedToken,
  SdkOptions,
  StoredKey,
  TokenStorage,
  UsageReport,
  UsageRow,
} from './types.js'
