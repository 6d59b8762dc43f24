/// <reference lib="dom" />
import { join } from 'node:path'
import { type MockProvider, textDeltas } from '@byok/relay/mock-providers'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, createReactApp, installApp, readBundle, type Timings } from './support/apps.js'
import { resolveArtifactPath } from './support/artifacts.js'
import { LAST_REPLY, openKeysPanel, sendMessage, waitForIdle } from './support/chat-page.js'
import { withBrowser } from './support/chromium.js'
import { expectStreamedReply } from './support/expect-streamed.js'
import { isKeyDialogOpen, submitKey, waitForKeyDialog } from './support/key-dialog.js'
import {
  createResponseLog,
  dumpBrowserStorage,
  readStoredTokens,
  recordConsoleErrors,
  recordTextChanges,
  waitForText,
} from './support/page-watch.js'
import { type BrowserRelay, STREAM, startBrowserRelay, TYPED_KEY } from './support/relay.js'
import { type StaticServer, startStaticServer } from './support/static-server.js'
import { type HeldTempDir, holdTempDir } from './support/temp-dir.js'

const REPLY = textDeltas(STREAM.chunks).join('')

/** The provider's chat calls (the key check and the models list are calls too). */
function chatCalls(openai: MockProvider) {
  return openai.exchanges.filter((e) => e.request.path === '/v1/chat/completions')
}

/** Sends `text` and waits for the whole reply, asserting it reached the DOM in pieces while it streamed. */
async function sendAndExpectStreamedReply(page: Page, text: string, openai: MockProvider): Promise<void> {
  await recordTextChanges(page, LAST_REPLY)
  await sendMessage(page, text)
  await waitForText(page, LAST_REPLY, REPLY)
  await expectStreamedReply(page, REPLY, chatCalls(openai).at(-1))
}

// SPEC §1 journey 2 in a real Chromium: the react template scaffolded by `byok create`, installed and built the
// way its README says, served from its own origin; the relay (buildApp on loopback) in front of a mock OpenAI
// that streams one delta every STREAM.delayMs.
describe('journey 2 in Chromium: the react template, from the first message to "forget this browser"', () => {
  const timings: Timings = {}
  let temp: HeldTempDir | undefined
  let site: StaticServer | undefined
  let otherSite: StaticServer | undefined
  let relay: BrowserRelay | undefined

  beforeAll(async () => {
    temp = await holdTempDir()
    const dist = join(temp.dir, 'app', 'dist')
    site = await startStaticServer(dist)
    // The same build on a second origin, which the relay does not allow.
    otherSite = await startStaticServer(dist)
    relay = await startBrowserRelay({ allowedOrigins: [site.origin] })
    const dir = await createReactApp(temp.dir, relay.url)
    await installApp(dir, timings)
    const built = await buildApp(dir, timings)
    const bundle = readBundle(built)
    expect(bundle.includes(relay.url), 'the build inlines VITE_BYOK_RELAY_URL').toBe(true)
    console.info(
      `react template: install ${timings.install?.toFixed(1)}s, build ${timings.build?.toFixed(1)}s`,
    )
  })

  afterAll(async () => {
    await relay?.close()
    await site?.close()
    await otherSite?.close()
    await temp?.release()
  })

  it('asks for the key on the first message, streams the reply, keeps the session on reload, forgets on request', async () => {
    const { openai } = relay!
    await withBrowser(async (context) => {
      const responses = createResponseLog(context)
      const page = await context.newPage()
      await responses.attach(page)
      await page.goto(site!.origin)

      // First message from a first-time visitor: the relay has no key for this browser's token yet.
      await sendMessage(page, 'Say hello')
      expect(await waitForKeyDialog(page)).toContain('OpenAI')
      expect(openai.exchanges.length, 'no upstream call without a stored key').toBe(0)
      await recordTextChanges(page, LAST_REPLY)
      await submitKey(page, TYPED_KEY)
      await waitForText(page, LAST_REPLY, REPLY)
      await expectStreamedReply(page, REPLY, chatCalls(openai).at(-1))
      expect(chatCalls(openai).length).toBe(1)

      await page.getByRole('button', { name: 'Send' }).waitFor() // the composer is back: the reply is complete
      const screenshot = resolveArtifactPath('react-chat-streamed.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      console.info(`screenshot of the streamed chat: ${screenshot}`)

      const tokens = await readStoredTokens(page)
      expect(tokens.length, 'one relay token in localStorage').toBe(1)
      const token = tokens[0]!

      // A reload keeps the session: same token, no dialog, and the stored key still serves the next message.
      await page.reload()
      const afterReload = await readStoredTokens(page)
      expect(afterReload.length === 1 && afterReload[0] === token, 'the same token after reload').toBe(true)
      await sendAndExpectStreamedReply(page, 'And again', openai)
      expect(await page.locator('byok-key-dialog').count(), 'no key dialog after reload').toBe(0)
      expect(chatCalls(openai).length).toBe(2)

      // Everything the browser keeps holds the relay token and never the provider key.
      const storage = await dumpBrowserStorage(context, [page])
      expect(storage.includes(token), 'browser storage holds the relay token').toBe(true)
      expect(storage.includes(TYPED_KEY), 'browser storage holds the provider key').toBe(false)

      // "Forget this browser" (in the Keys panel) revokes the token on the relay and drops it from the page.
      await openKeysPanel(page)
      await page.getByRole('button', { name: 'Forget this browser' }).click()
      await page.getByRole('status').filter({ hasText: 'signed out' }).waitFor()
      expect(await readStoredTokens(page)).toEqual([])
      expect(await relay!.checkToken(token)).toEqual({ status: 401, code: 'token_revoked' })
      expect(await isKeyDialogOpen(page)).toBe(false)

      const { bodies, pending } = responses.readBodies()
      expect(pending, 'response bodies still loading').toBe(0)
      const streamed = bodies.filter((body) => body.includes('chat.completion.chunk'))
      expect(streamed.length, 'both streamed replies were read back').toBe(2)
      const leaking = bodies.filter((body) => body.includes(TYPED_KEY)).length
      expect(leaking, `responses carrying the provider key, of ${bodies.length}`).toBe(0)
    })
  })

  it('is blocked by CORS from an origin the relay does not allow, and works from the allowed one', async () => {
    const { openai } = relay!
    await withBrowser(async (context) => {
      // The allowed page registers on load (the key list asks the relay), and the user's key is stored.
      const allowed = await context.newPage()
      await allowed.goto(site!.origin)
      await allowed.waitForFunction(() => Object.values(localStorage).some((v) => v.startsWith('byok_rt_')))
      const [token] = await readStoredTokens(allowed)
      const stored = await fetch(`${relay!.url}/keys/openai`, {
        method: 'POST',
        headers: { 'x-relay-token': token!, 'content-type': 'application/json' },
        body: JSON.stringify({ key: TYPED_KEY }),
      })
      expect(stored.status).toBe(200)

      // The other origin gets the same session, so the only difference between the two pages is the origin.
      const entries = await allowed.evaluate(() => Object.entries(localStorage))
      const blocked = await context.newPage()
      const consoleErrors = recordConsoleErrors(blocked)
      await blocked.goto(otherSite!.origin)
      await blocked.evaluate((items) => {
        for (const [key, value] of items) localStorage.setItem(key, value)
      }, entries)
      await blocked.reload()

      const before = openai.exchanges.length
      await sendMessage(blocked, 'Say hello')
      await waitForIdle(blocked)
      await blocked.getByRole('alert').waitFor()
      expect(await blocked.getByRole('alert').textContent()).toMatch(/Can't reach the relay at/)
      const corsErrors = consoleErrors.filter(
        (e) => /blocked by CORS policy/.test(e) && e.includes(`${relay!.url}/relay/openai/`),
      )
      expect(corsErrors.length, `console errors: ${consoleErrors.join(' | ')}`).toBeGreaterThan(0)
      expect(openai.exchanges.length, 'the provider received nothing').toBe(before)
      expect(await isKeyDialogOpen(blocked)).toBe(false)

      const chatCallsBefore = chatCalls(openai).length
      await sendAndExpectStreamedReply(allowed, 'Say hello', openai)
      expect(chatCalls(openai).length).toBe(chatCallsBefore + 1)
    })
  })
})
