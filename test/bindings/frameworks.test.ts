/// <reference lib="dom" />
import { join } from 'node:path'
import { textDeltas } from '@byok/relay/mock-providers'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { assertChromiumInstalled, isChromiumInstalled, withBrowser } from '../browser/support/chromium.js'
import { expectStreamedReply } from '../browser/support/expect-streamed.js'
import { submitKey, waitForKeyDialog } from '../browser/support/key-dialog.js'
import { dumpBrowserStorage, recordTextChanges, waitForText } from '../browser/support/page-watch.js'
import { type StaticServer, startStaticServer } from '../browser/support/static-server.js'
import { type HeldTempDir, holdTempDir } from '../browser/support/temp-dir.js'
import type { ClientRelay } from '../client/harness.js'
import { bundleApp } from './support/bundle.js'
import { readDocExample } from './support/docs.js'
import { startBindingsRelay, USER_KEY, WRONG_OPENAI_KEY } from './support/relay.js'

const STREAM = { chunks: 6, delayMs: 150 }
const REPLY = textDeltas(STREAM.chunks).join('')
const LAST_REPLY = 'ol[aria-label="Messages"] li[data-role="assistant"]:last-of-type'

/** Each binding's doc page, built as its example says (the files of the page and nothing else). */
const BINDINGS = [
  { name: 'react', entry: 'src/main.tsx', mount: 'root' },
  { name: 'vue', entry: 'src/main.ts', mount: 'app' },
  { name: 'svelte', entry: 'src/main.ts', mount: 'app' },
] as const

let temp: HeldTempDir | undefined
let relay: ClientRelay | undefined
const sites = new Map<string, StaticServer>()

beforeAll(async () => {
  if (!isChromiumInstalled()) return // each test fails with the install hint instead
  temp = await holdTempDir()
  for (const { name } of BINDINGS) sites.set(name, await startStaticServer(join(temp.dir, name, 'dist')))
  relay = await startBindingsRelay({
    allowedOrigins: [...sites.values()].map((site) => site.origin),
    stream: STREAM,
  })
  for (const { name, entry, mount } of BINDINGS) {
    await bundleApp({
      dir: join(temp.dir, name),
      files: readDocExample(name),
      entry,
      mount,
      env: { VITE_BYOK_RELAY_URL: relay.url },
    })
  }
})

afterAll(async () => {
  await relay?.close()
  for (const site of sites.values()) await site.close()
  await temp?.release()
})

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
}

describe.each(BINDINGS)(
  '@byok/client/$name in Chromium: the doc page example against a real relay',
  ({ name }) => {
    test('store a key, a 401 from the provider re-prompts, the reply streams, Stop aborts it', async () => {
      assertChromiumInstalled()
      const openai = relay!.mock
      openai.settings.delayMs = STREAM.delayMs
      await withBrowser(async (context) => {
        const page = await context.newPage()
        const errors: string[] = []
        page.on('pageerror', (error) => errors.push(error.message))
        await page.goto(sites.get(name)!.origin)
        const keyList = page.getByRole('region', { name: 'Keys' }).getByRole('listitem')

        // Store a key from the settings button: the dialog opens, the key list shows it (the key itself never).
        await page.getByRole('button', { name: 'Add OpenAI key' }).click()
        expect(await waitForKeyDialog(page)).toContain('OpenAI')
        await submitKey(page, WRONG_OPENAI_KEY)
        await expect.poll(() => keyList.allTextContents()).toEqual([`openai …${WRONG_OPENAI_KEY.slice(-4)}`])

        // OpenAI refuses that key (401): the dialog asks again, saying why; the new key's reply streams in.
        const before = openai.exchanges.length
        await send(page, 'hello')
        await waitForKeyDialog(page)
        await expect
          .poll(() => page.locator('byok-key-dialog [part=message]').textContent())
          .toContain('OpenAI refused the key stored for you')
        await recordTextChanges(page, LAST_REPLY)
        await submitKey(page, USER_KEY)
        await waitForText(page, LAST_REPLY, REPLY)
        await expectStreamedReply(page, REPLY, openai.exchanges.at(-1))
        expect(openai.exchanges.slice(before).map((e) => e.response.status)).toEqual([401, 200])
        await page.getByRole('button', { name: 'Send' }).waitFor()

        // Stop while the next reply streams: the request is aborted up to the provider, the text so far stays.
        openai.settings.delayMs = 1_000
        await send(page, 'and again')
        await page.waitForFunction(
          (selector) => document.querySelector(selector)?.textContent === 'Hello',
          LAST_REPLY,
        )
        await page.getByRole('button', { name: 'Stop' }).click()
        await page.getByRole('button', { name: 'Send' }).waitFor()
        const aborted = openai.exchanges.at(-1)!
        await aborted.closed
        expect(aborted.response.completed, 'the provider stream was cut by the abort').toBe(false)
        expect(await page.locator(LAST_REPLY).textContent()).toBe('Hello')
        expect(await page.getByRole('alert').count(), 'a stop is not an error').toBe(0)
        expect(await page.getByRole('listitem').filter({ hasText: 'and again' }).count()).toBe(1)

        const stored = await dumpBrowserStorage(context, [page])
        expect(
          stored.includes(USER_KEY) || stored.includes(WRONG_OPENAI_KEY),
          'a key in browser storage',
        ).toBe(false)
        expect(errors).toEqual([])
      })
    })
  },
)
