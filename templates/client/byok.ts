/**
 * byok client helper: your app calls AI providers through a byok relay with the END USER's own key.
 *
 * Copy this one file into your project (no dependencies). The browser registers once with the relay and keeps
 * only the relay token (in localStorage); the user's provider key goes once to `POST /keys/:provider`, is stored
 * encrypted on the relay and never touches browser storage. When the relay says no key is stored yet, the
 * built-in <byok-key-dialog> asks for one, stores it and the original call is retried once.
 *
 * @example
 * const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'my-app' })
 * const res = await byok.relayFetch('openai', '/v1/chat/completions', { method: 'POST', body: JSON.stringify(req) })
 */

export interface ByokOptions {
  /** The relay's origin (plus an optional path prefix), e.g. `http://127.0.0.1:3000`. */
  relayUrl: string
  appId: string
  /** Where the relay token is kept; default `globalThis.localStorage` (in memory when unavailable). */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  fetch?: typeof fetch
  /** Ask the user for a key; default shows the built-in <byok-key-dialog>. Resolve null if cancelled. */
  promptForKey?: (provider: string, reason: KeyPromptReason) => Promise<string | null>
}

/** Why a key is asked for: the relay's error code (`key_missing`, or `key_invalid` on a retry) and message. */
export interface KeyPromptReason {
  code: string
  message: string
}

export interface StoredKey {
  provider: string
  /** At most the last 4 characters of the key. */
  hint: string
  created_at: string
}

export interface SdkOptions {
  baseURL: string
  /** The relay token: SDKs send it as their API key and the relay accepts it there. */
  apiKey: string
  fetch: typeof fetch
  dangerouslyAllowBrowser: true
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
  /** The relay token, registering with `POST /users` when none is cached. */
  token(): Promise<string>
  storeKey(provider: string, key: string, options?: { baseUrl?: string }): Promise<void>
  listKeys(): Promise<StoredKey[]>
  deleteKey(provider: string): Promise<void>
  /** Revokes the token on the relay and drops it from storage; the next call registers again. */
  forget(): Promise<void>
}

/** The part of an axios request config `axiosAdapter` reads (no axios types: this file has no dependencies). */
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
  // biome-ignore lint/suspicious/noExplicitAny: axios's own AxiosResponse types data as any; unknown would not assign
  data: any
  status: number
  statusText: string
  headers: Record<string, string>
  config: C
  request: Record<string, never>
}

/** A relay error (`{ error, code, hint? }`) raised by the helper's own calls (register, keys, revoke). */
export class ByokError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'ByokError'
  }
}

/** Provider API hosts (https, default port) and the relay's provider id for each. Exact matches only. */
export const PROVIDER_HOSTS: Readonly<Record<string, string>> = {
  'api.openai.com': 'openai',
  'api.anthropic.com': 'anthropic',
  'generativelanguage.googleapis.com': 'google',
  'api.groq.com': 'groq',
  'openrouter.ai': 'openrouter',
  'api.mistral.ai': 'mistral',
  'api.deepseek.com': 'deepseek',
  'api.x.ai': 'xai',
  'api.together.xyz': 'together',
  'api.fireworks.ai': 'fireworks',
  'api.perplexity.ai': 'perplexity',
  'api.cerebras.ai': 'cerebras',
  'api.elevenlabs.io': 'elevenlabs',
  'api.deepgram.com': 'deepgram',
  'router.huggingface.co': 'huggingface',
}

/** The path prefix each provider's official (OpenAI-style) SDK expects in its `baseURL`; none for the others. */
export const SDK_BASE_PATHS: Readonly<Record<string, string>> = {
  openai: '/v1',
  groq: '/openai/v1',
  openrouter: '/api/v1',
  mistral: '/v1',
  deepseek: '/v1',
  xai: '/v1',
  together: '/v1',
  fireworks: '/inference/v1',
  cerebras: '/v1',
}

const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'OpenAI',
  anthropic: 'Anthropic',
  google: 'Google Gemini',
  xai: 'xAI',
  openrouter: 'OpenRouter',
  deepseek: 'DeepSeek',
  elevenlabs: 'ElevenLabs',
  huggingface: 'Hugging Face',
  'openai-compatible': 'custom endpoint',
}

const TOKEN_REJECTED = new Set(['token_invalid', 'token_expired', 'token_revoked'])

/**
 * Provider credentials a rewritten call may still carry (a runtime URL can be local, so the codemod keeps the
 * header in the source). The relay takes `x-relay-token` and attaches the stored key, so these never leave for it.
 */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'api-key']

/** Marks a `globalThis.fetch` installed by `routeGlobalFetch`, with the relay prefixes it routes. */
const ROUTED = Symbol.for('byok.routeGlobalFetch')

function urlOf(input: RequestInfo | URL): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
}

/** axios 0.x hands adapters a plain header object, 1.x an AxiosHeaders instance. */
function axiosHeaders(headers: unknown): Headers {
  const plain = (
    headers && typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): unknown }).toJSON()
      : (headers ?? {})
  ) as Record<string, unknown>
  const result = new Headers()
  for (const [name, value] of Object.entries(plain)) {
    if (value !== undefined && value !== null && value !== false) result.set(name, String(value))
  }
  return result
}

/** Reads `{ code, error, hint }` from a relay error response without consuming it. */
async function relayError(
  response: Response,
): Promise<{ code: string; message: string; hint?: string } | null> {
  if (response.ok || !response.headers.get('content-type')?.includes('application/json')) return null
  try {
    const body = (await response.clone().json()) as { code?: unknown; error?: unknown; hint?: unknown }
    if (typeof body.code !== 'string') return null
    const message = typeof body.error === 'string' ? body.error : body.code
    return { code: body.code, message, hint: typeof body.hint === 'string' ? body.hint : undefined }
  } catch {
    return null
  }
}

/** localStorage can be missing (Node) or throw on access (sandboxed iframes, some private modes). */
function defaultStorage(): NonNullable<ByokOptions['storage']> {
  try {
    const storage = globalThis.localStorage
    if (storage) return storage
  } catch {}
  const memory = new Map<string, string>()
  return {
    getItem: (k) => memory.get(k) ?? null,
    setItem: (k, v) => void memory.set(k, v),
    removeItem: (k) => void memory.delete(k),
  }
}

/** A ReadableStream body can be sent only once; read it up front so the call can be retried. */
async function replayableBody(body: RequestInit['body']): Promise<RequestInit['body']> {
  if (typeof ReadableStream === 'undefined' || !(body instanceof ReadableStream)) return body
  return new Uint8Array(await new Response(body).arrayBuffer())
}

/** Creates a client for one relay and app. */
export function createByok(options: ByokOptions): ByokClient {
  const relayUrl = options.relayUrl.replace(/\/+$/, '')
  const storage = options.storage ?? defaultStorage()
  const send: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const storageKey = `byok:token:${relayUrl}|${options.appId}`
  let registering: Promise<string> | undefined
  const prompting = new Map<string, Promise<boolean>>()

  async function register(): Promise<string> {
    const response = await send(`${relayUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: options.appId }),
    })
    const body = (await expectOk(response)) as { token: string }
    storage.setItem(storageKey, body.token)
    return body.token
  }

  function token(): Promise<string> {
    const cached = storage.getItem(storageKey)
    if (cached) return Promise.resolve(cached)
    // Concurrent first calls share one registration.
    registering ??= register().finally(() => {
      registering = undefined
    })
    return registering
  }

  async function expectOk(response: Response): Promise<unknown> {
    if (response.ok) return response.json()
    const error = await relayError(response)
    throw new ByokError(
      error?.message ?? `Relay answered ${response.status}`,
      error?.code ?? 'relay_error',
      response.status,
      error?.hint,
    )
  }

  /** One call with the token; a rejected token is dropped and the call retried once with a fresh one. */
  async function withToken(url: string, init: RequestInit): Promise<Response> {
    const attempt = async () => {
      const headers = new Headers(init.headers)
      for (const name of CREDENTIAL_HEADERS) headers.delete(name)
      headers.set('x-relay-token', await token())
      return send(url, { ...init, headers })
    }
    const response = await attempt()
    if (response.status !== 401) return response
    const error = await relayError(response)
    if (!error || !TOKEN_REJECTED.has(error.code)) return response
    storage.removeItem(storageKey)
    return attempt()
  }

  async function manage(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method }
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    return expectOk(await withToken(`${relayUrl}${path}`, init))
  }

  async function storeKey(provider: string, key: string, opts: { baseUrl?: string } = {}): Promise<void> {
    const body = opts.baseUrl === undefined ? { key } : { key, base_url: opts.baseUrl }
    await manage('POST', `/keys/${encodeURIComponent(provider)}`, body)
  }

  /** Asks for a key until the relay accepts one (true) or the user cancels (false). */
  async function obtainKey(provider: string, reason: KeyPromptReason): Promise<boolean> {
    // Stores the key; a key the relay refuses as key_invalid yields its message, to show and ask again.
    const submit = async (key: string): Promise<string | null> => {
      try {
        await storeKey(provider, key)
        return null
      } catch (error) {
        if (!(error instanceof ByokError) || error.code !== 'key_invalid') throw error
        return error.hint ? `${error.message}. ${error.hint}` : error.message
      }
    }
    if (!options.promptForKey) return (await openKeyDialog(provider, { submit })) !== null
    for (let current = reason; ; ) {
      const key = await options.promptForKey(provider, current)
      if (key === null) return false
      const refused = await submit(key)
      if (refused === null) return true
      current = { code: 'key_invalid', message: refused }
    }
  }

  async function callRelay(provider: string, url: string, init: RequestInit = {}): Promise<Response> {
    const request = { ...init, body: await replayableBody(init.body) }
    const response = await withToken(url, request)
    const error = response.status === 400 ? await relayError(response) : null
    if (error?.code !== 'key_missing') return response
    // Calls that hit key_missing together share one prompt.
    let asking = prompting.get(provider)
    if (!asking) {
      asking = obtainKey(provider, error).finally(() => prompting.delete(provider))
      prompting.set(provider, asking)
    }
    if (!(await asking)) return response
    await response.body?.cancel()
    return withToken(url, request)
  }

  const relayPrefix = `${relayUrl}/relay/`
  const client: ByokClient = {
    relayFetch: (provider, path, init) =>
      callRelay(provider, `${client.baseUrl(provider)}${path.startsWith('/') ? '' : '/'}${path}`, init),

    async fetch(input, init) {
      const url = urlOf(input)
      if (!url.startsWith(relayPrefix)) return send(input, init)
      const provider = decodeURIComponent(url.slice(relayPrefix.length).split(/[/?#]/)[0] ?? '')
      if (typeof input === 'string' || input instanceof URL) return callRelay(provider, url, init)
      // A Request's body is a stream: read it once so the call can be replayed.
      const request = new Request(input, init)
      const body = /^(GET|HEAD)$/.test(request.method) ? undefined : await request.arrayBuffer()
      return callRelay(provider, url, {
        method: request.method,
        headers: request.headers,
        body,
        signal: init?.signal ?? input.signal,
      })
    },

    baseUrl: (provider) => `${relayUrl}/relay/${encodeURIComponent(provider)}`,

    async sdkOptions(provider) {
      const baseURL = client.baseUrl(provider) + (SDK_BASE_PATHS[provider] ?? '')
      return { baseURL, apiKey: await token(), fetch: client.fetch, dangerouslyAllowBrowser: true }
    },

    relayUrlFor(providerUrl) {
      let url: URL
      try {
        url = new URL(providerUrl)
      } catch {
        throw new Error(`Not an absolute URL: ${providerUrl}`)
      }
      const provider = PROVIDER_HOSTS[url.hostname]
      if (!provider || url.protocol !== 'https:' || url.port !== '' || url.username || url.password) {
        throw new Error(`${url.origin} is not a provider API this helper knows (see PROVIDER_HOSTS)`)
      }
      // Gemini's ?key= would carry a provider key; the relay attaches the stored one instead.
      url.searchParams.delete('key')
      return `${client.baseUrl(provider)}${url.pathname}${url.search}`
    },

    relayUrlIfProvider(url) {
      try {
        return client.relayUrlFor(String(url))
      } catch {
        return String(url)
      }
    },

    routeGlobalFetch() {
      const current = globalThis.fetch as typeof fetch & { [ROUTED]?: readonly string[] }
      if (current[ROUTED]?.includes(relayPrefix)) return client
      const routed = ((input: RequestInfo | URL, init?: RequestInit) => {
        const request = typeof Request !== 'undefined' && input instanceof Request ? input : undefined
        // The helper's own calls carry the token: they pass on to the fetch that was here before.
        const headers = new Headers(init?.headers ?? request?.headers)
        if (urlOf(input).startsWith(relayPrefix) && !headers.has('x-relay-token'))
          return client.fetch(input, init)
        return current(input, init)
      }) as typeof fetch & { [ROUTED]?: readonly string[] }
      routed[ROUTED] = [...(current[ROUTED] ?? []), relayPrefix]
      globalThis.fetch = routed
      return client
    },

    async axiosAdapter(config) {
      const base = config.baseURL && !/^[a-z][a-z0-9+.-]*:/i.test(config.url ?? '') ? config.baseURL : ''
      const url = new URL(
        `${base.replace(/\/+$/, '')}${base && config.url && !config.url.startsWith('/') ? '/' : ''}${config.url ?? ''}`,
        globalThis.location?.href,
      )
      for (const [name, value] of Object.entries(config.params ?? {})) {
        if (value !== undefined && value !== null) url.searchParams.append(name, String(value))
      }
      const method = (config.method ?? 'get').toUpperCase()
      const response = await client.fetch(url.href, {
        method,
        headers: axiosHeaders(config.headers),
        body: /^(GET|HEAD)$/.test(method) ? undefined : (config.data as BodyInit | undefined),
        signal: config.signal as AbortSignal | undefined,
      })
      const data =
        config.responseType === 'arraybuffer'
          ? await response.arrayBuffer()
          : config.responseType === 'blob'
            ? await response.blob()
            : config.responseType === 'stream'
              ? response.body
              : await response.text()
      const headers: Record<string, string> = {}
      response.headers.forEach((value, name) => {
        headers[name] = value
      })
      const result = {
        data,
        status: response.status,
        statusText: response.statusText,
        headers,
        config,
        request: {},
      }
      // axios settles inside its adapters: a status validateStatus refuses rejects with the response attached.
      if (config.validateStatus && !config.validateStatus(response.status)) {
        throw Object.assign(new Error(`Request failed with status code ${response.status}`), {
          isAxiosError: true,
          code: response.status < 500 ? 'ERR_BAD_REQUEST' : 'ERR_BAD_RESPONSE',
          config,
          response: result,
        })
      }
      return result
    },

    token,
    storeKey,

    async listKeys() {
      const body = (await manage('GET', '/keys')) as { keys: StoredKey[] }
      return body.keys.map(({ provider, hint, created_at }) => ({ provider, hint, created_at }))
    },

    async deleteKey(provider) {
      await manage('DELETE', `/keys/${encodeURIComponent(provider)}`)
    },

    async forget() {
      const cached = storage.getItem(storageKey)
      if (!cached) return
      try {
        // A token the relay already rejects is as good as revoked.
        await send(`${relayUrl}/tokens/revoke`, { method: 'POST', headers: { 'x-relay-token': cached } })
      } finally {
        storage.removeItem(storageKey)
      }
    },
  }
  return client
}

// ---- <byok-key-dialog> -------------------------------------------------------------------------------------

/** What `open()` takes: a line of context, and a check that may refuse the key with a message to show. */
export interface KeyDialogOptions {
  message?: string
  /** Resolve null to accept (the dialog closes), or an error message to show while it stays open. */
  submit?: (key: string) => Promise<string | null>
}

export interface ByokKeyDialogElement extends HTMLElement {
  /** Shows the dialog for `provider`; resolves with the key on Save, or null on Cancel / Escape. */
  open(provider: string, options?: KeyDialogOptions): Promise<string | null>
}

const DIALOG_HTML = `
<style>
  dialog { max-width: 28rem; border: 1px solid #8886; border-radius: 12px; padding: 1.25rem; font: inherit; }
  dialog::backdrop { background: #0006; }
  h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
  p { margin: .25rem 0 .75rem; } label { display: block; font-weight: 600; margin-bottom: .25rem; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; }
  [role=alert] { color: #c62828; min-height: 1.25em; margin: .5rem 0; }
  .actions { display: flex; gap: .5rem; justify-content: flex-end; }
  button { font: inherit; padding: .4rem 1rem; }
</style>
<dialog part="dialog" aria-labelledby="byok-title" aria-describedby="byok-desc byok-where">
  <h2 id="byok-title" part="title"></h2>
  <p id="byok-desc" part="message"></p>
  <label for="byok-key">API key</label>
  <input id="byok-key" part="input" type="password" autocomplete="off" spellcheck="false"
    aria-describedby="byok-error" />
  <p id="byok-error" part="error" role="alert"></p>
  <p id="byok-where" part="note">Stored encrypted on your relay, never in this browser.</p>
  <div class="actions">
    <button type="button" part="cancel" data-action="cancel">Cancel</button>
    <button type="button" part="save" data-action="save">Save</button>
  </div>
</dialog>`

/** Registers <byok-key-dialog> (once; a no-op where custom elements do not exist, e.g. Node). */
export function defineKeyDialog(): void {
  if (typeof customElements === 'undefined' || customElements.get('byok-key-dialog')) return

  class KeyDialog extends HTMLElement implements ByokKeyDialogElement {
    #finish: ((key: string | null) => void) | undefined
    #options: KeyDialogOptions = {}
    #returnFocus: HTMLElement | null = null
    #busy = false

    connectedCallback(): void {
      if (this.shadowRoot) return
      const root = this.attachShadow({ mode: 'open' })
      root.innerHTML = DIALOG_HTML
      root.querySelector('[data-action=save]')!.addEventListener('click', () => void this.#save())
      root.querySelector('[data-action=cancel]')!.addEventListener('click', () => this.#close(null))
      this.#input.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Enter') void this.#save()
      })
      // Browsers fire `cancel` on Escape; the keydown path covers engines that do not.
      this.#dialog.addEventListener('cancel', (event) => {
        event.preventDefault()
        this.#close(null)
      })
      this.#dialog.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Escape') {
          event.preventDefault()
          this.#close(null)
        }
      })
    }

    get #dialog(): HTMLDialogElement {
      return this.shadowRoot!.querySelector('dialog')!
    }
    get #input(): HTMLInputElement {
      return this.shadowRoot!.querySelector('input')!
    }
    #part(name: string): HTMLElement {
      return this.shadowRoot!.querySelector(`[part=${name}]`)!
    }

    open(provider: string, options: KeyDialogOptions = {}): Promise<string | null> {
      if (!this.isConnected) document.body.append(this)
      this.connectedCallback()
      this.#finish?.(null) // a dialog opened for another call cancels the previous one
      const name = PROVIDER_NAMES[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1)
      this.#options = options
      this.#part('title').textContent = `Your ${name} API key`
      this.#part('message').textContent =
        options.message ?? `This app uses your own ${name} key to call ${name} for you.`
      this.#showError('')
      this.#input.value = ''
      this.#returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null
      if (!this.#dialog.open) this.#dialog.showModal()
      this.#input.focus()
      return new Promise((resolve) => {
        this.#finish = resolve
      })
    }

    #showError(text: string): void {
      this.#part('error').textContent = text
      if (text) this.#input.setAttribute('aria-invalid', 'true')
      else this.#input.removeAttribute('aria-invalid')
    }

    async #save(): Promise<void> {
      const key = this.#input.value.trim()
      if (this.#busy) return
      if (!key) return this.#showError('Enter a key, or press Cancel.')
      this.#setBusy(true)
      try {
        const refused = this.#options.submit ? await this.#options.submit(key) : null
        if (refused === null) return this.#close(key)
        this.#showError(refused)
        this.#input.select()
        this.#input.focus()
      } catch (error) {
        this.#showError(error instanceof Error ? error.message : 'Could not store the key.')
      } finally {
        this.#setBusy(false)
      }
    }

    #setBusy(busy: boolean): void {
      this.#busy = busy
      for (const button of this.shadowRoot!.querySelectorAll('button')) button.disabled = busy
    }

    #close(key: string | null): void {
      const finish = this.#finish
      this.#finish = undefined
      this.#input.value = '' // the key leaves the DOM as soon as it is handed over
      this.#showError('')
      if (this.#dialog.open) this.#dialog.close()
      this.#returnFocus?.focus()
      finish?.(key)
    }
  }
  customElements.define('byok-key-dialog', KeyDialog)
}

/** The default `promptForKey`: the page's <byok-key-dialog> (created on first use). */
function openKeyDialog(provider: string, options: KeyDialogOptions): Promise<string | null> {
  if (typeof document === 'undefined') return Promise.resolve(null)
  defineKeyDialog()
  const dialog =
    document.querySelector<ByokKeyDialogElement>('byok-key-dialog') ??
    document.body.appendChild(document.createElement('byok-key-dialog') as ByokKeyDialogElement)
  return dialog.open(provider, options)
}
