/** Where the relay token is kept (`localStorage` by default). */
export type TokenStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>

/**
 * Why a key is asked for: `key_missing` (none stored), `key_rejected` (the provider answered 401 to the stored
 * key), or `key_invalid` (the relay refused the shape of the key just entered), with a message to show.
 */
export interface KeyPromptReason {
  code: string
  message: string
}

/** A relay token the relay refused (`token_invalid`, `token_expired` or `token_revoked`). */
export interface RejectedToken {
  token: string
  code: string
}

export interface ByokOptions {
  /** The relay's origin (plus an optional path prefix), e.g. `http://127.0.0.1:3000`. */
  relayUrl: string
  appId: string
  /** Where the relay token is kept; default `globalThis.localStorage` (in memory when unavailable). */
  storage?: TokenStorage
  fetch?: typeof fetch
  /**
   * Ask the user for a key; default shows the built-in <byok-key-dialog> (loaded from `@byok/client/dialog` on
   * first use). Resolve the key for the client to store, `true` when your prompt has stored it already (say
   * through `storeKey(provider, key, { verify: true })`, so the provider checked it first), or null if cancelled.
   */
  promptForKey?: (provider: string, reason: KeyPromptReason) => Promise<string | true | null>
  /**
   * Where the user types a key. `'dialog'` (default): `promptForKey`, or the built-in dialog, in this page.
   * `'relay-page'`: the relay's own connect page (`GET /connect`) in a popup, so no script in this page can read
   * the key; `promptForKey` is then not used. The popup gets this client's relay token by `postMessage` (only to
   * the relay's origin) and hands back a token scoped to that provider and this page's origin for 15 minutes;
   * relay calls use such scoped tokens (minted again with `POST /tokens` when one expires). Needs the relay's
   * `ALLOWED_ORIGINS` to list this page's origin, and a full relay token (the default registration, or one from
   * your backend's `POST /users`).
   */
  keyEntry?: 'relay-page' | 'dialog'
  /**
   * Called once the user entered a key and the relay stored it (the dialog, your `promptForKey`, or the relay's
   * connect page), before the call that needed it is retried: refresh a keys list or settings screen here.
   * @example onKeyStored: (provider) => void keyStore.refresh()
   */
  onKeyStored?: (provider: string) => void
  /**
   * Where a relay token comes from when none is cached; default registers this browser with `POST /users`.
   * Use your backend when the relay has `APP_SECRET` set. After the relay refused a token it is called with
   * that token and the reason, so the backend can issue a new one instead of returning the same again.
   * @example getToken: async () => (await (await fetch('/api/byok-token', { method: 'POST' })).json()).token
   */
  getToken?: (rejected?: RejectedToken) => Promise<string>
}

export interface StoredKey {
  provider: string
  /** At most the last 4 characters of the key. */
  hint: string
  created_at: string
}

/** A spending cap the key owner set on the relay (`PUT /budgets`); periods are UTC days or months. */
export interface Budget {
  id: string
  /** A provider id, or `*` for all providers together. */
  provider: string
  period: 'day' | 'month'
  /** null: not capped. */
  max_requests: number | null
  max_input_tokens: number | null
  max_output_tokens: number | null
  /** This period so far. */
  used: { requests: number; input_tokens: number; output_tokens: number }
  period_start: string
  resets_at: string
  created_at: string
  updated_at: string
}

/** What `setBudget` sends: one budget per (provider, period); setting it again replaces its caps. */
export interface BudgetInput {
  /** Default `*` (all providers). */
  provider?: string
  period: 'day' | 'month'
  max_requests?: number | null
  max_input_tokens?: number | null
  max_output_tokens?: number | null
}

/** One row of `GET /usage`: the user's calls for one app, provider, model and UTC day. */
export interface UsageRow {
  day: string
  app_id: string
  provider: string
  model: string | null
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  /** An estimate from the relay's dated price table; null for models it does not list. */
  estimated_cost_usd: number | null
}

export interface UsageReport {
  from: string
  to: string
  prices_as_of: string
  rows: UsageRow[]
}

export interface SdkOptions {
  baseURL: string
  /** The relay token: SDKs send it as their API key and the relay accepts it there. */
  apiKey: string
  fetch: typeof fetch
  dangerouslyAllowBrowser: true
}

/** The part of an axios request config `axiosAdapter` reads (no axios types: this package has no dependencies). */
export interface AxiosAdapterConfig {
  url?: string
  baseURL?: string
  method?: string
  /** A plain object (axios 0.x) or AxiosHeaders (1.x, which has `toJSON`). */
  headers?: unknown
  data?: unknown
  params?: Record<string, unknown>
  /** axios types it as its own `GenericAbortSignal`; at run time it is the caller's AbortSignal. */
  signal?: unknown
  responseType?: string
  validateStatus?: ((status: number) => boolean) | null
}

/** What an axios adapter resolves with; axios then runs its own `transformResponse` (JSON parsing) on `data`. */
export interface AxiosAdapterResponse<C extends AxiosAdapterConfig = AxiosAdapterConfig> {
  data: unknown
  status: number
  statusText: string
  headers: Record<string, string>
  config: C
  request: Record<string, never>
}

export interface ByokClient {
  /** Call `<relay>/relay/<provider><path>` with the token; `path` is the provider's own, e.g. `/v1/chat/completions`. */
  relayFetch(provider: string, path: string, init?: RequestInit): Promise<Response>
  /** Drop-in fetch for SDKs: `<relay>/relay/...` URLs get the token and key flow; other URLs pass through. */
  fetch: typeof fetch
  /** `<relay>/relay/<provider>`. */
  baseUrl(provider: string): string
  /** Options for the provider's official SDK (OpenAI-style `baseURL` includes the `/v1` that SDK expects). */
  sdkOptions(provider: string): Promise<SdkOptions>
  /** Maps a direct provider URL to its relay URL, dropping any `key` query parameter; throws for unknown hosts. */
  relayUrlFor(providerUrl: string): string
  /**
   * `relayUrlFor` for URLs chosen at runtime: a provider URL becomes its relay URL, any other URL (a local model
   * server, a self-hosted endpoint, a relative path) comes back unchanged.
   * @example byok.fetch(byok.relayUrlIfProvider(`${settings.baseUrl}/chat/completions`), init)
   */
  relayUrlIfProvider(url: string | URL): string
  /**
   * For SDKs that take no `fetch` option (Google's): from now on, `globalThis.fetch` calls to this relay's
   * `/relay/` URLs without a relay token go through `fetch` above (token, key prompt, retry); every other URL
   * is untouched. Idempotent; returns this client.
   * @example new GoogleGenAI({ apiKey: 'byok-relay', httpOptions: { baseUrl: byok.routeGlobalFetch().baseUrl('google') } })
   */
  routeGlobalFetch(): ByokClient
  /**
   * An axios adapter (axios 0.x and 1.x) that sends each request through `fetch` above, for clients built on
   * axios (openai v3, `axios.create`).
   * @example axios.create({ baseURL: byok.baseUrl('openai') + '/v1', adapter: byok.axiosAdapter })
   */
  axiosAdapter<C extends AxiosAdapterConfig>(config: C): Promise<AxiosAdapterResponse<C>>
  /** The relay token, from `getToken` or by registering with `POST /users` when none is cached. */
  token(): Promise<string>
  /**
   * Stores `key` for `provider` on the relay. With `verify: true` the relay first has the provider check the key
   * (`POST /keys/:provider/rotate`) and refuses it with `key_rejected` if the provider does.
   */
  storeKey(provider: string, key: string, options?: { baseUrl?: string; verify?: boolean }): Promise<void>
  /**
   * Asks the user for `provider`'s key (your `promptForKey`, or the built-in dialog) and stores it; resolves
   * true once the relay accepted one, false if the user cancelled. For a "set your key" button.
   * @example if (await byok.askForKey('openai')) showToast('Key saved')
   */
  askForKey(provider: string, reason?: KeyPromptReason): Promise<boolean>
  listKeys(): Promise<StoredKey[]>
  deleteKey(provider: string): Promise<void>
  /**
   * The user's usage per app, provider, model and day (`GET /usage`); days as `YYYY-MM-DD` (UTC), default the
   * last 30.
   * @example const { rows } = await byok.usage({ from: '2030-01-01' })
   */
  usage(range?: { from?: string; to?: string }): Promise<UsageReport>
  /** The user's spending caps with this period's counters. */
  listBudgets(): Promise<Budget[]>
  /**
   * Sets a cap; once it is used up, relay calls fail with `budget_exceeded` until `resets_at`.
   * @example await byok.setBudget({ provider: 'openai', period: 'day', max_output_tokens: 100_000 })
   */
  setBudget(budget: BudgetInput): Promise<Budget>
  deleteBudget(id: string): Promise<void>
  /** Revokes the token on the relay and drops it from storage; the next call registers again. */
  forget(): Promise<void>
}
