import type { Locator, Page } from 'playwright-core'

// Either key dialog: the templates' own (templates/shared/lib/key-dialog.ts) or the @byok/client built-in
// <byok-key-dialog> that integrated apps and the bindings get (Playwright's CSS engine pierces its open shadow root).
// Both are a <dialog> with the provider in a heading, one input, and Enter to save.
const DIALOG = 'dialog.key-dialog, byok-key-dialog dialog'

export function keyDialog(page: Page): Locator {
  return page.locator(DIALOG)
}

/** Waits for the key dialog and returns its title (which names the provider). */
export async function waitForKeyDialog(page: Page): Promise<string> {
  const dialog = keyDialog(page)
  await dialog.waitFor({ state: 'visible' })
  return (await dialog.getByRole('heading').textContent()) ?? ''
}

/** Types `key` as the user would and presses Enter, without waiting for the outcome. */
export async function typeKey(page: Page, key: string): Promise<void> {
  const input = keyDialog(page).locator('input')
  await input.fill('')
  await input.pressSequentially(key)
  await input.press('Enter')
}

/** Types `key` and saves; resolves once the dialog has closed (the provider accepted the key, the relay stored it). */
export async function submitKey(page: Page, key: string): Promise<void> {
  await typeKey(page, key)
  await keyDialog(page).waitFor({ state: 'hidden' })
}

/** The sentence the dialog shows under the input after a refused key. */
export async function waitForKeyError(page: Page, pattern: RegExp): Promise<string> {
  const error = keyDialog(page).locator('.field-error')
  await error.filter({ hasText: pattern }).waitFor()
  return (await error.textContent()) ?? ''
}

/** Whether the key dialog is showing right now (it is created on first use, so it may not exist at all). */
export function isKeyDialogOpen(page: Page): Promise<boolean> {
  return page.locator('dialog.key-dialog[open], byok-key-dialog dialog[open]').isVisible()
}
