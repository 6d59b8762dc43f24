/// <reference lib="dom" />
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { textDeltas } from '@byok/relay/mock-providers'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { noteSecret } from '../log-scan.js'
import {
  keysPanel,
  LAST_REPLY,
  openKeysPanel,
  readKeyRow,
  sendMessage,
  waitForIdle,
} from './support/chat-page.js'
import { assertChromiumInstalled, isChromiumInstalled, withBrowser } from './support/chromium.js'
import { expectStreamedReply } from './support/expect-streamed.js'
import { dumpBrowserStorage, recordTextChanges, waitForText } from './support/page-watch.js'
import { STREAM, startBrowserRelay, TYPED_KEY } from './support/relay.js'
import { startStaticServer } from './support/static-server.js'
import { type HeldTempDir, holdTempDir } from './support/temp-dir.js'
import { type ServedTemplate, serveTemplate } from './support/template-app.js'

const REPLY = textDeltas(STREAM.chunks).join('')
const APP_ID = 'connect-e2e'
const APP_SECRET = 'connect-e2e-app-secret-0123456789abcdef'
noteSecret('APP_SECRET', APP_SECRET)

/** What a hostile script the app loaded would try while the user enters a key: every event, field and message. */
function sniffer(): void {
  const w = window as unknown as { __sniffed: string[]; __blocked: number; __popup?: Window | null }
  w.__sniffed = []
  w.__blocked = 0
  const note = (text: string) => w.__sniffed.push(text)
  for (const type of ['keydown', 'input', 'paste', 'change']) {
    document.addEventListener(
      type,
      (event) => {
        const target = event.target as HTMLInputElement | null
        note(`${type}:${(event as KeyboardEvent).key ?? ''}:${target?.value ?? ''}`)
      },
      true,
    )
  }
  addEventListener('message', (event) => note(`message:${JSON.stringify(event.data)}`), true)
  const open = window.open.bind(window)
  window.open = (...args: Parameters<typeof window.open>) => {
    w.__popup = open(...args)
    return w.__popup
  }
  let ticks = 0
  const timer = setInterval(() => {
    if (++ticks > 600) clearInterval(timer) // 30 s at most
    for (const field of document.querySelectorAll('input, textarea'))
      note(`field:${(field as HTMLInputElement).value}`)
    if (!w.__popup || w.__popup.closed) return
    try {
      const doc = w.__popup.document
      note(
        `popup:${doc.documentElement.outerHTML}:${(doc.getElementById('key') as HTMLInputElement | null)?.value}`,
      )
    } catch {
      w.__blocked++
    }
  }, 50)
}

// The vanilla template built with VITE_BYOK_KEY_ENTRY=relay-page, on its own origin, in front of the real relay
// (APP_SECRET set: users are the app's own, logged in by its backend) and the scripted OpenAI mock. The relay's
// clock can be moved forward to expire scoped tokens.
describe('the relay connect page (keyEntry: relay-page) in Chromium', () => {
  let temp: HeldTempDir | undefined
  let app: ServedTemplate | undefined
  let skew = 0

  beforeAll(async () => {
    if (!isChromiumInstalled()) return
    temp = await holdTempDir()
    app = await serveTemplate('vanilla', temp.dir, {
      appSecret: APP_SECRET,
      now: () => Date.now() + skew,
      buildEnv: { VITE_BYOK_KEY_ENTRY: 'relay-page', VITE_BYOK_APP_ID: APP_ID },
      // templates.test.ts type-checks the vanilla template (and its build runs tsc too).
      typecheck: false,
    })
    console.info(
      `connect: vanilla template install ${app.timings.install?.toFixed(1)}s, build ${app.timings.build?.toFixed(1)}s`,
    )
  })

  afterAll(async () => {
    await app?.close()
    await temp?.release()
  })

  /** The app's backend logging a user in (`POST /users` with APP_SECRET): a full token for that person. */
  async function backendLogin(externalUserId: string): Promise<string> {
    const response = await fetch(`${app!.relay.url}/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${APP_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: APP_ID, external_user_id: externalUserId }),
    })
    expect(response.status).toBe(200)
    return ((await response.json()) as { token: string }).token
  }

  /** A page of the app whose client already holds `token` (as if its backend had handed it over). */
  async function openSignedIn(context: BrowserContext, token: string): Promise<Page> {
    const page = await context.newPage()
    await page.addInitScript(
      ([key, value]) => localStorage.setItem(key as string, value as string),
      [`byok:token:${app!.relay.url}|${APP_ID}`, token],
    )
    return page
  }

  /** `trigger` (a first message, the keys panel's Add) opens the connect popup on the relay's origin; the key is typed there. */
  async function connectInPopup(page: Page, trigger: () => Promise<void>): Promise<void> {
    const opened = page.waitForEvent('popup')
    await trigger()
    const popup = await opened
    await popup.waitForLoadState()
    expect(new URL(popup.url()).origin).toBe(app!.relay.url)
    // The form opens only once the app's page handed its token over.
    await popup.locator('#key:enabled').waitFor()
    const closed = popup.waitForEvent('close')
    await popup.locator('#key').pressSequentially(TYPED_KEY)
    await popup.getByRole('button', { name: 'Verify and connect' }).click()
    await closed
  }

  /** A relay call from `page` with `token`, answered as status and error code. */
  function callFrom(page: Page, url: string, token: string, method = 'GET') {
    return page.evaluate(
      async ([target, t, m]) => {
        const response = await fetch(target as string, {
          method: m as string,
          headers: { 'x-relay-token': t as string, 'content-type': 'application/json' },
          ...(m === 'POST' ? { body: '{"model":"gpt-4o-mini","messages":[]}' } : {}),
        })
        const body = (await response.json().catch(() => ({}))) as { code?: string }
        return { status: response.status, code: body.code }
      },
      [url, token, method],
    )
  }

  it('connects from the template (popup on the relay origin, verified key, scoped token by postMessage, streamed reply; the page never sees the key); the same external user on a second profile has the key at once', async () => {
    assertChromiumInstalled()
    const { relay } = app!
    const full = await backendLogin('alice')
    await withBrowser(async (context) => {
      const page = await openSignedIn(context, full)
      await page.addInitScript(sniffer)
      const relayTokens: string[] = []
      page.on('request', (request) => {
        if (request.url().startsWith(`${relay.url}/relay/openai/v1/chat`)) {
          relayTokens.push(request.headers()['x-relay-token'] ?? '')
        }
      })
      await page.goto(app!.origin)
      const before = relay.openai.exchanges.length
      await recordTextChanges(page, LAST_REPLY)
      await connectInPopup(page, () => sendMessage(page, 'Say hello'))
      await waitForText(page, LAST_REPLY, REPLY)
      // The provider checked the key before the relay kept it; the message went out after that, once.
      const calls = relay.openai.exchanges.slice(before)
      const chats = calls.filter((e) => e.request.path === '/v1/chat/completions')
      expect(calls[0] && `${calls[0].request.path} ${calls[0].response.status}`).toBe('/v1/models 200')
      expect(chats.map((e) => e.response.status)).toEqual([200])
      await expectStreamedReply(page, REPLY, chats[0])
      await waitForIdle(page)
      // Told that a key was stored, as after the dialog, the model picker lists the models this key can use (the
      // mock lists two).
      await page.waitForFunction(() => document.querySelectorAll('#model-options option').length === 2)

      // The hostile script saw no key: not in an event, a field, a message, nor through the popup (cross-origin).
      const sniffed = await page.evaluate(() => {
        const w = window as unknown as { __sniffed: string[]; __blocked: number }
        return { log: w.__sniffed.join('\n'), blocked: w.__blocked }
      })
      expect(sniffed.log).not.toContain(TYPED_KEY)
      expect(sniffed.log).not.toContain(TYPED_KEY.slice(-8))
      expect(sniffed.blocked, 'the script tried to read the popup and was refused').toBeGreaterThan(0)
      expect(await dumpBrowserStorage(context, [page])).not.toContain(TYPED_KEY)

      // Relay calls go with a scoped token, not the user's full one.
      const scoped = relayTokens.at(-1) ?? ''
      expect(scoped).toMatch(/^byok_rt_/)
      expect(scoped).not.toBe(full)
      const chat = `${relay.url}/relay/openai/v1/chat/completions`
      // Another provider → 403 token_scope_provider.
      expect(await callFrom(page, `${relay.url}/relay/anthropic/v1/messages`, scoped, 'POST')).toEqual({
        status: 403,
        code: 'token_scope_provider',
      })
      // Another origin → 403 token_scope_origin: from a page on the relay's own origin (the connect page opened
      // without an opener: its CSP lets it call its own origin).
      const elsewhere = await context.newPage()
      await elsewhere.goto(
        `${relay.url}/connect?${new URLSearchParams({ app_id: APP_ID, provider: 'openai', origin: app!.origin })}`,
      )
      expect(await callFrom(elsewhere, chat, scoped, 'POST')).toEqual({
        status: 403,
        code: 'token_scope_origin',
      })
      await elsewhere.close()
      // After its 15 minutes → 401 token_expired; the client then mints a fresh scoped token, no popup.
      skew += 16 * 60_000
      expect(await callFrom(page, `${relay.url}/relay/openai/v1/models`, scoped)).toEqual({
        status: 401,
        code: 'token_expired',
      })
      let popups = 0
      page.on('popup', () => popups++)
      const chatsBefore = relay.openai.exchanges.length
      await sendMessage(page, 'Still there?')
      await page.waitForFunction(
        () => document.querySelectorAll('.messages li[data-role="assistant"]').length === 2,
      )
      await waitForText(page, LAST_REPLY, REPLY)
      await waitForIdle(page)
      expect(popups).toBe(0)
      expect(relay.openai.exchanges.slice(chatsBefore).map((e) => e.request.path)).toEqual([
        '/v1/chat/completions',
      ])
      expect(relayTokens.at(-1)).not.toBe(scoped)
    })

    // The same person logged in on another device: the app's backend gets another token for the same relay user.
    const phone = await backendLogin('alice')
    expect(phone).not.toBe(full)
    await withBrowser(async (context) => {
      const page = await openSignedIn(context, phone)
      let popups = 0
      page.on('popup', () => popups++)
      await page.goto(app!.origin)
      const keys = await page.evaluate(
        async ([url, t]) =>
          (await (await fetch(url as string, { headers: { 'x-relay-token': t as string } })).json()) as {
            providers: string[]
          },
        [`${relay.url}/keys`, phone],
      )
      expect(keys.providers).toEqual(['openai'])
      await sendMessage(page, 'Say hello')
      await waitForText(page, LAST_REPLY, REPLY)
      await waitForIdle(page)
      expect(popups).toBe(0)
    })
  })

  it('the keys panel shows the key stored on the connect page, and reloads this month, as soon as the popup closes (no reload)', async () => {
    assertChromiumInstalled()
    const token = await backendLogin('bob')
    await withBrowser(async (context) => {
      const page = await openSignedIn(context, token)
      const usageReads: string[] = []
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/usage') usageReads.push(request.url())
      })
      await page.goto(app!.origin)
      // Gone if the page reloads or navigates.
      await page.evaluate(() => Object.assign(window, { __samePage: true }))
      const panel = await openKeysPanel(page)
      await panel.locator('[data-role=usage]', { hasText: 'request' }).waitFor()
      expect(await readKeyRow(page, 'openai')).toBe('No key')
      const readsBefore = usageReads.length

      await connectInPopup(page, () => page.getByRole('button', { name: 'Add OpenAI key' }).click())
      const row = panel.locator('.key-row[data-provider="openai"] .key-row-text span')
      await row.filter({ hasText: `…${TYPED_KEY.slice(-4)}` }).waitFor({ timeout: 5_000 })
      expect(await readKeyRow(page, 'openai')).toMatch(/^…cdef · added /)
      await expect.poll(() => usageReads.length, { timeout: 5_000 }).toBeGreaterThan(readsBefore)
      expect(await keysPanel(page).isVisible(), 'the panel stayed open').toBe(true)
      expect(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage)).toBe(true)
    })
  })

  it('a wrong-origin opener gets nothing: no message, no key form, and its own origin is refused', async () => {
    assertChromiumInstalled()
    const { relay } = app!
    // Same server, another origin: not in ALLOWED_ORIGINS. Served by the browser itself (no socket).
    const evil = app!.origin.replace('127.0.0.1', 'localhost')
    const stolen = await backendLogin('mallory')
    await withBrowser(async (context) => {
      await context.route(`${evil}/**`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>elsewhere</title><p>hi</p>' }),
      )
      const page = await context.newPage()
      await page.goto(`${evil}/`)
      await page.evaluate(() => {
        const w = window as unknown as { __got: unknown[] }
        w.__got = []
        addEventListener('message', (event) => w.__got.push({ origin: event.origin, data: event.data }))
      })
      // It claims to be the allowed app.
      const query = new URLSearchParams({ app_id: APP_ID, provider: 'openai', origin: app!.origin })
      const opened = page.waitForEvent('popup')
      await page.evaluate((url) => {
        ;(window as unknown as { __w: Window | null }).__w = window.open(url, 'connect', 'popup')
      }, `${relay.url}/connect?${query}`)
      const popup = await opened
      await popup.waitForLoadState()
      await popup.locator('#status', { hasText: 'Waiting for the app' }).waitFor()
      // It offers a token of its own choosing: the page accepts tokens only from the allowed origin.
      await page.evaluate(
        ([t, target]) => {
          const w = (window as unknown as { __w: Window }).__w
          for (let i = 0; i < 3; i++)
            w.postMessage({ type: 'byok:connect-token', token: t }, target as string)
        },
        [stolen, relay.url],
      )
      await page.waitForTimeout(500)
      expect(await popup.locator('#key').isDisabled()).toBe(true)
      expect(await popup.locator('#submit').isDisabled()).toBe(true)
      expect(await page.evaluate(() => (window as unknown as { __got: unknown[] }).__got)).toEqual([])

      // Telling the truth about its origin: the relay does not serve the page at all.
      const honest = new URLSearchParams({ app_id: APP_ID, provider: 'openai', origin: evil })
      const refused = await popup.goto(`${relay.url}/connect?${honest}`)
      if (!refused) throw new Error('no response for the connect page')
      expect(refused.status()).toBe(403)
      expect(((await refused.json()) as { code: string }).code).toBe('connect_origin_forbidden')
    })
  })
  it('redirect mode: the page sends a one-time code to redirect_uri, which the app exchanges with its PKCE verifier', async () => {
    assertChromiumInstalled()
    // The app: a page on its own loopback origin, the only one this relay allows (with no APP_SECRET, so the
    // connect page can keep its own account on the relay's origin).
    const root = join(temp!.dir, 'redirect-app')
    mkdirSync(root, { recursive: true })
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title><p>app</p>\n')
    const site = await startStaticServer(root)
    const appOrigin = site.origin
    const callback = `${appOrigin}/byok/callback`
    let relay: Awaited<ReturnType<typeof startBrowserRelay>> | undefined
    try {
      relay = await startBrowserRelay({ allowedOrigins: [appOrigin] })
      const { url: relayUrl, openai } = relay
      await withBrowser(async (context) => {
        const page = await context.newPage()
        const verifier = randomBytes(32).toString('base64url')
        const query = new URLSearchParams({
          app_id: 'redirect-e2e',
          provider: 'openai',
          redirect_uri: callback,
          state: 'state-42',
          code_challenge: createHash('sha256').update(verifier).digest('base64url'),
          code_challenge_method: 'S256',
        })
        await page.goto(`${relayUrl}/connect?${query}`)
        await page.locator('#key').fill(TYPED_KEY)
        await page.getByRole('button', { name: 'Verify and connect' }).click()
        await page.waitForURL((url) => url.origin === appOrigin)
        const back = new URL(page.url())
        expect(`${back.origin}${back.pathname}`).toBe(callback)
        expect(back.searchParams.get('state')).toBe('state-42')
        const code = back.searchParams.get('code') ?? ''
        expect(code).toMatch(/^byok_cc_/)

        const exchange = (codeVerifier: string) =>
          page.evaluate(
            async ([url, body]) => {
              const response = await fetch(url as string, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: body as string,
              })
              return { status: response.status, body: (await response.json()) as Record<string, unknown> }
            },
            [
              `${relayUrl}/connect/token`,
              JSON.stringify({ code, code_verifier: codeVerifier, redirect_uri: callback }),
            ],
          )
        const minted = await exchange(verifier)
        expect(minted.status).toBe(200)
        expect(minted.body).toMatchObject({ providers: ['openai'], origins: [appOrigin], models: null })
        const keys = await page.evaluate(
          async ([url, t]) =>
            (await (await fetch(url as string, { headers: { 'x-relay-token': t as string } })).json()) as {
              providers: string[]
            },
          [`${relayUrl}/keys`, minted.body.token as string],
        )
        expect(keys.providers).toEqual(['openai'])
        // The key was checked by the provider before it was kept; the code works once.
        expect(openai.exchanges.map((e) => `${e.request.path} ${e.response.status}`)).toEqual([
          '/v1/models 200',
        ])
        expect(await exchange(verifier)).toMatchObject({
          status: 400,
          body: { code: 'connect_code_invalid' },
        })
      })
    } finally {
      await relay?.close()
      await site.close()
    }
  })
})
