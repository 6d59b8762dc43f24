/// <reference lib="dom" />
import type { BrowserContext, Page } from 'playwright-core'

/** Everything the pages received over the network, byte for byte, streamed bodies included. */
export interface ResponseLog {
  /** Starts recording `page` (call before it loads anything; recording survives reloads). */
  attach(page: Page): Promise<void>
  /** Every URL the recorded pages requested, in order. */
  readonly requestedUrls: string[]
  /**
   * One body per response so far. Chromium keeps none for some (failed loads): `unreadable` counts them;
   * `pending` counts bodies still loading that could not be streamed (0 once the page is idle).
   */
  readBodies(): { bodies: Buffer[]; unreadable: number; pending: number }
}

/**
 * Records response bodies through the DevTools protocol. Playwright's `response.body()` waits for the load to
 * finish, which never happens for a body the page stops reading (an SSE stream after `[DONE]`, the unread answer
 * to `POST /tokens/revoke`), so bodies are streamed as they arrive (`Network.streamResourceContent`); one that
 * finished before streaming could start is read whole once loaded (`Network.getResponseBody`).
 */
export function createResponseLog(context: BrowserContext): ResponseLog {
  const bodies = new Map<string, Buffer[]>()
  const requestedUrls: string[] = []
  const reading = new Set<string>()
  let unreadable = 0
  return {
    requestedUrls,
    async attach(page) {
      const cdp = await context.newCDPSession(page)
      const loaded = new Map<string, Promise<void>>()
      const markLoaded = new Map<string, () => void>()
      const whenLoaded = (requestId: string) => {
        let promise = loaded.get(requestId)
        if (!promise) {
          promise = new Promise((resolve) => markLoaded.set(requestId, resolve))
          loaded.set(requestId, promise)
        }
        return promise
      }
      const readWhole = async (requestId: string, body: Buffer[]) => {
        reading.add(requestId)
        try {
          await whenLoaded(requestId)
          const whole = await cdp.send('Network.getResponseBody', { requestId })
          body.splice(0, body.length, Buffer.from(whole.body, whole.base64Encoded ? 'base64' : 'utf8'))
        } finally {
          reading.delete(requestId)
        }
      }
      cdp.on('Network.requestWillBeSent', ({ request }) => requestedUrls.push(request.url))
      cdp.on('Network.responseReceived', ({ requestId }) => {
        const body: Buffer[] = []
        bodies.set(requestId, body)
        cdp
          .send('Network.streamResourceContent', { requestId })
          .then(
            ({ bufferedData }) => void body.unshift(Buffer.from(bufferedData, 'base64')),
            () => readWhole(requestId, body),
          )
          .catch(() => {
            bodies.delete(requestId)
            unreadable++
          })
      })
      cdp.on('Network.dataReceived', ({ requestId, data }) => {
        if (data) bodies.get(requestId)?.push(Buffer.from(data, 'base64'))
      })
      for (const event of ['Network.loadingFinished', 'Network.loadingFailed'] as const) {
        cdp.on(event, ({ requestId }) => {
          void whenLoaded(requestId)
          markLoaded.get(requestId)?.()
        })
      }
      await cdp.send('Network.enable')
    },
    readBodies() {
      const read = [...bodies].filter(([requestId]) => !reading.has(requestId))
      return { bodies: read.map(([, body]) => Buffer.concat(body)), unreadable, pending: reading.size }
    },
  }
}

/** Console errors of `page`, newest last (where Chromium reports a call it blocked for CORS). */
export function recordConsoleErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  return errors
}

/** A text the watched element showed, and when (epoch ms: the browser and the mocks share this machine's clock). */
export interface TextChange {
  readonly text: string
  readonly at: number
}

declare global {
  interface Window {
    __textChanges?: TextChange[]
  }
}

/**
 * Starts recording, in the page, every distinct text the element matching `selector` shows as the DOM changes, so
 * a test can tell a reply that streamed in (growing prefixes, shown while the provider was still sending) from
 * one that appeared at once.
 */
export async function recordTextChanges(page: Page, selector: string): Promise<void> {
  await page.evaluate((target) => {
    const changes: TextChange[] = []
    window.__textChanges = changes
    const observer = new MutationObserver(() => {
      const text = document.querySelector(target)?.textContent ?? ''
      if (text !== changes[changes.length - 1]?.text) changes.push({ text, at: Date.now() })
    })
    observer.observe(document.body, { subtree: true, childList: true, characterData: true })
  }, selector)
}

/** The changes recorded since `recordTextChanges` that showed a non-empty proper prefix of `final`. */
export async function readPartialTexts(page: Page, final: string): Promise<TextChange[]> {
  const changes = await page.evaluate(() => window.__textChanges ?? [])
  return changes.filter(({ text }) => text.length > 0 && text.length < final.length && final.startsWith(text))
}

/** Waits until the element matching `selector` shows exactly `text` (the whole streamed reply). */
export async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    ([target, expected]) => document.querySelector(target)?.textContent === expected,
    [selector, text] as const,
  )
}

/**
 * What the browser keeps for `origins`, as one string to search: cookies, localStorage and IndexedDB (Playwright's
 * storage snapshot) plus each origin's sessionStorage, read from an open page of that origin.
 */
export async function dumpBrowserStorage(context: BrowserContext, pages: readonly Page[]): Promise<string> {
  const snapshot = await context.storageState({ indexedDB: true })
  const session = await Promise.all(
    pages.map((page) =>
      page.evaluate(() => ({ origin: location.origin, sessionStorage: Object.entries(sessionStorage) })),
    ),
  )
  return JSON.stringify({ snapshot, session })
}

/** The values in `page`'s localStorage that are relay tokens (by their `byok_rt_` prefix). */
export function readStoredTokens(page: Page): Promise<string[]> {
  return page.evaluate(() => Object.values(localStorage).filter((value) => value.startsWith('byok_rt_')))
}
