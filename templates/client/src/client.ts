import { createAxiosAdapter } from './axios.js'
import { ByokError, readRelayError, relayErrorOf, unreachableError } from './errors.js'
import { routeGlobalFetch } from './global-fetch.js'
import { providerName, SDK_BASE_PATHS } from './providers.js'
import type { RelayPageTokens } from './relay-page.js'
import { defaultStorage } from './storage.js'
import type {
  Budget,
  ByokClient,
  ByokOptions,
  KeyPromptReason,
  RejectedToken,
  StoredKey,
  UsageReport,
} from './types.js'
import { relayPathFor, urlOf } from './urls.js'

const TOKEN_REJECTED = new Set(['token_invalid', 'token_expired', 'token_revoked'])

/**
 * Provider credentials a rewritten call may still carry (a runtime URL can be local, so the codemod keeps the
 * header in the source). The relay takes `x-relay-token` and attaches the stored key, so these never leave for it.
 * Each provider's `auth.header` in the relay's registry is here (test/client/provider-facts.test.ts), plus Azure's.
 */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key', 'x-goog-api-key', 'xi-api-key', 'api-key']

/** A ReadableStream body can be sent only once; read it up front so the call can be retried. */
async function replayableBody(body: RequestInit['body']): Promise<BodyInit | null> {
  if (typeof ReadableStream === 'undefined' || !(body instanceof ReadableStream)) return body ?? null
  return new Uint8Array(await new Response(body).arrayBuffer())
}

/** The built-in dialog, loaded on first use so apps with their own `promptForKey` never ship it. */
async function promptWithDialog(
  provider: string,
  reason: KeyPromptReason,
  submit: (key: string) => Promise<string | null>,
): Promise<string | null> {
  if (typeof document === 'undefined') return null
  const { openKeyDialog } = await import('./dialog.js')
  return openKeyDialog(
    provider,
    reason.code === 'key_missing' ? { submit } : { submit, message: reason.message },
  )
}

/**
 * Why a relay answer calls for a key: the relay's `key_missing`, or a 401/403 that is not the relay's own (its
 * token and origin errors are handled before this or are not about the key), meaning the provider refused the
 * stored key (revoked, a wrong key of the right shape, or a key without access). Null for any other answer.
 */
async function keyProblem(provider: string, response: Response): Promise<KeyPromptReason | null> {
  if (response.status !== 400 && response.status !== 401 && response.status !== 403) return null
  const error = await readRelayError(response)
  if (response.status === 400) return error?.code === 'key_missing' ? error : null
  if (error) return null
  const name = providerName(provider)
  return { code: 'key_rejected', message: `${name} refused the key stored for you. Enter a new ${name} key.` }
}

/**
 * Creates a client for one relay and app.
 * @example const byok = createByok({ relayUrl: 'http://127.0.0.1:3000', appId: 'my-app' })
 */
export function createByok(options: ByokOptions): ByokClient {
  const relayUrl = options.relayUrl.replace(/\/+$/, '')
  const storage = options.storage ?? defaultStorage()
  const rawFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const storageKey = `byok:token:${relayUrl}|${options.appId}`
  const relayPrefix = `${relayUrl}/relay/`
  let obtaining: Promise<string> | undefined
  const prompting = new Map<string, Promise<boolean>>()
  // keyEntry 'relay-page': the connect popup and the scoped tokens relay calls use, loaded on first use.
  let relayPageTokens: Promise<RelayPageTokens> | undefined
  const relayPage = () =>
    (relayPageTokens ??= import('./relay-page.js').then((m) =>
      m.createRelayPageTokens({
        relayUrl,
        appId: options.appId,
        fullToken: () => token(),
        mint: (body) => manage('POST', '/tokens', body) as Promise<{ token: string; expires_at: string }>,
        blocked: () =>
          new ByokError(
            'The browser blocked the window where the key is entered',
            'popup_blocked',
            0,
            'Allow pop-ups for this site, or ask for the key from a click handler (byok.askForKey).',
          ),
      }),
    ))

  /** A call to the relay; a network failure (not an abort) becomes `relay_unreachable`, naming `byok dev`. */
  async function send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await rawFetch(url, init)
    } catch (error) {
      if (init.signal?.aborted || (error instanceof Error && error.name === 'AbortError')) throw error
      throw unreachableError(relayUrl, error)
    }
  }

  async function expectOk(response: Response, what?: string): Promise<unknown> {
    if (response.ok) return response.json()
    throw (
      (await relayErrorOf(response, what)) ??
      new ByokError(`Relay answered ${response.status}`, 'relay_error', response.status)
    )
  }

  async function register(): Promise<string> {
    const response = await send(`${relayUrl}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: options.appId }),
    })
    try {
      return ((await expectOk(response, 'registrations')) as { token: string }).token
    } catch (error) {
      if (!(error instanceof ByokError) || error.code !== 'app_secret_invalid') throw error
      // The browser cannot hold APP_SECRET: the app's backend has to hand out tokens.
      throw new ByokError(
        'This relay only registers users through the app’s backend (APP_SECRET is set)',
        error.code,
        error.status,
        'Pass getToken to createByok and fetch the token from your backend; see the @byok/client README.',
      )
    }
  }

  function token(rejected?: RejectedToken): Promise<string> {
    const cached = storage.getItem(storageKey)
    if (cached) return Promise.resolve(cached)
    // Concurrent first calls share one registration (or one call to the app's backend).
    obtaining ??= (options.getToken ? options.getToken(rejected) : register())
      .then((fresh) => {
        storage.setItem(storageKey, fresh)
        return fresh
      })
      .finally(() => {
        obtaining = undefined
      })
    return obtaining
  }

  /**
   * One call with the token (for `provider`'s relay calls under keyEntry 'relay-page', a scoped one); a rejected
   * token is dropped and the call retried once with a fresh one.
   */
  async function withToken(url: string, init: RequestInit, provider?: string): Promise<Response> {
    const attempt = async (sent: string) => {
      const headers = new Headers(init.headers)
      for (const name of CREDENTIAL_HEADERS) headers.delete(name)
      headers.set('x-relay-token', sent)
      return send(url, { ...init, headers })
    }
    const scoped = options.keyEntry === 'relay-page' && provider ? await relayPage() : undefined
    const sent = scoped ? await scoped.token(provider as string) : await token()
    const response = await attempt(sent)
    if (response.status !== 401) return response
    const error = await readRelayError(response)
    if (!error || !TOKEN_REJECTED.has(error.code)) return response
    if (scoped) return attempt(await scoped.token(provider as string, sent))
    // Another call may already have replaced it; only drop the token this call was refused with.
    if (storage.getItem(storageKey) === sent) storage.removeItem(storageKey)
    return attempt(await token({ token: sent, code: error.code }))
  }

  async function manage(method: string, path: string, body?: unknown): Promise<unknown> {
    const init: RequestInit = { method }
    if (body !== undefined) {
      init.headers = { 'content-type': 'application/json' }
      init.body = JSON.stringify(body)
    }
    return expectOk(await withToken(`${relayUrl}${path}`, init))
  }

  async function storeKey(
    provider: string,
    key: string,
    opts: { baseUrl?: string; verify?: boolean } = {},
  ): Promise<void> {
    const body = opts.baseUrl === undefined ? { key } : { key, base_url: opts.baseUrl }
    // The rotate route has the provider check the key before the relay keeps it (the key does not have to exist).
    const path = `/keys/${encodeURIComponent(provider)}${opts.verify ? '/rotate' : ''}`
    await manage('POST', path, body)
  }

  /** Asks for a key until the relay accepts one (true) or the user cancels (false). */
  async function askForKey(provider: string, reason: KeyPromptReason): Promise<boolean> {
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
    if (options.keyEntry === 'relay-page')
      return typeof document !== 'undefined' && (await relayPage()).connect(provider)
    if (!options.promptForKey) return (await promptWithDialog(provider, reason, submit)) !== null
    for (let current = reason; ; ) {
      const key = await options.promptForKey(provider, current)
      if (key === null) return false
      // The app's prompt stored the key itself (e.g. with `storeKey(…, { verify: true })`): nothing to store twice.
      if (key === true) return true
      const refused = await submit(key)
      if (refused === null) return true
      current = { code: 'key_invalid', message: refused }
    }
  }

  /** Calls that need a key for the same provider at the same time share one prompt. */
  function askOnce(provider: string, reason: KeyPromptReason): Promise<boolean> {
    let asking = prompting.get(provider)
    if (!asking) {
      asking = askForKey(provider, reason)
        .then((stored) => {
          // In a microtask of its own: a listener that throws must not fail the call being retried.
          if (stored) queueMicrotask(() => options.onKeyStored?.(provider))
          return stored
        })
        .finally(() => prompting.delete(provider))
      prompting.set(provider, asking)
    }
    return asking
  }

  async function callRelay(provider: string, url: string, init: RequestInit = {}): Promise<Response> {
    const request = { ...init, body: await replayableBody(init.body) }
    const response = await withToken(url, request, provider)
    const problem = await keyProblem(provider, response)
    if (!problem) return response
    if (!(await askOnce(provider, problem))) return response
    await response.body?.cancel()
    return withToken(url, request, provider)
  }

  async function relayedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = urlOf(input)
    if (!url.startsWith(relayPrefix)) return rawFetch(input, init)
    const provider = decodeURIComponent(url.slice(relayPrefix.length).split(/[/?#]/)[0] ?? '')
    if (typeof input === 'string' || input instanceof URL) return callRelay(provider, url, init)
    // A Request's body is a stream: read it once so the call can be replayed.
    const request = new Request(input, init)
    const body = /^(GET|HEAD)$/.test(request.method) ? null : await request.arrayBuffer()
    return callRelay(provider, url, {
      method: request.method,
      headers: request.headers,
      body,
      signal: init?.signal ?? input.signal,
    })
  }

  const baseUrl = (provider: string) => `${relayUrl}/relay/${encodeURIComponent(provider)}`

  const client: ByokClient = {
    relayFetch: (provider, path, init) =>
      callRelay(provider, `${baseUrl(provider)}${path.startsWith('/') ? '' : '/'}${path}`, init),
    fetch: relayedFetch,
    baseUrl,
    async sdkOptions(provider) {
      const baseURL = baseUrl(provider) + (SDK_BASE_PATHS[provider] ?? '')
      return { baseURL, apiKey: await token(), fetch: relayedFetch, dangerouslyAllowBrowser: true }
    },
    relayUrlFor: (providerUrl) => `${relayPrefix}${relayPathFor(providerUrl)}`,
    relayUrlIfProvider(url) {
      try {
        return client.relayUrlFor(String(url))
      } catch {
        return String(url)
      }
    },
    routeGlobalFetch() {
      routeGlobalFetch(relayPrefix, relayedFetch)
      return client
    },
    axiosAdapter: createAxiosAdapter(relayedFetch),
    token: () => token(),
    storeKey,
    askForKey: (provider, reason = { code: 'key_missing', message: 'No key stored yet' }) =>
      askOnce(provider, reason),

    async listKeys() {
      const body = (await manage('GET', '/keys')) as { keys: StoredKey[] }
      return body.keys.map(({ provider, hint, created_at }) => ({ provider, hint, created_at }))
    },

    async deleteKey(provider) {
      await manage('DELETE', `/keys/${encodeURIComponent(provider)}`)
    },

    async usage(range = {}) {
      const query = new URLSearchParams(range as Record<string, string>).toString()
      return (await manage('GET', `/usage${query && `?${query}`}`)) as UsageReport
    },
    async listBudgets() {
      return ((await manage('GET', '/budgets')) as { budgets: Budget[] }).budgets
    },
    setBudget: async (budget) => (await manage('PUT', '/budgets', budget)) as Budget,
    async deleteBudget(id) {
      await manage('DELETE', `/budgets/${encodeURIComponent(id)}`)
    },

    async forget() {
      // Revoking the full token revokes every token minted from it on the relay too.
      ;(await relayPageTokens)?.clear()
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
