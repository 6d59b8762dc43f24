/// <reference lib="dom" />
import type { Locator, Page } from 'playwright-core'
import { submitKey, waitForKeyDialog } from './key-dialog.js'
import { waitForText } from './page-watch.js'

// The markup every template shares (templates/shared/style.css names it): an <ol class="messages"> of
// <li class="message" data-role>, a reply's markdown in .prose, failures in a role=alert notice.
export const LAST_REPLY = '.messages li[data-role="assistant"]:last-of-type .prose'

export function composer(page: Page): Locator {
  return page.getByRole('textbox', { name: 'Message' })
}

/** Types `text` into the composer and sends it with Enter. */
export async function sendMessage(page: Page, text: string): Promise<void> {
  await composer(page).fill(text)
  await composer(page).press('Enter')
}

/** Waits until no reply is streaming (the Send button is back). */
export async function waitForIdle(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Send' }).waitFor()
}

/** The first message of a new visitor: the key dialog opens, `key` is verified and stored, `reply` streams in. */
export async function connectWithKey(page: Page, key: string, reply: string): Promise<void> {
  await sendMessage(page, 'Say hello')
  await waitForKeyDialog(page)
  await submitKey(page, key)
  await waitForText(page, LAST_REPLY, reply)
  await waitForIdle(page)
}

/** The failure notice's sentence. */
export async function readAlert(page: Page): Promise<string> {
  const alert = page.locator('.notice[role=alert]')
  await alert.waitFor()
  return (await alert.locator('p').textContent()) ?? ''
}

export function keysPanel(page: Page): Locator {
  return page.locator('dialog.keys-panel')
}

export async function openKeysPanel(page: Page): Promise<Locator> {
  await page.getByRole('button', { name: 'Keys' }).click()
  await keysPanel(page).waitFor({ state: 'visible' })
  return keysPanel(page)
}

/** The text of one provider's row in the keys panel ("…cdef · added 4 Dec", "No key"). */
export async function readKeyRow(page: Page, provider: string): Promise<string> {
  return (
    (await keysPanel(page)
      .locator(`.key-row[data-provider="${provider}"] .key-row-text span`)
      .textContent()) ?? ''
  )
}
