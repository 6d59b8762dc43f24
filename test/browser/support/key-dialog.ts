import type { Page } from 'playwright-core'

// Playwright's CSS engine pierces open shadow roots, so these reach into <byok-key-dialog>.
const DIALOG = 'byok-key-dialog dialog'

/** Waits for the helper's key dialog and returns its title (which names the provider). */
export async function waitForKeyDialog(page: Page): Promise<string> {
  const dialog = page.locator(DIALOG)
  await dialog.waitFor({ state: 'visible' })
  return (await dialog.locator('[part=title]').textContent()) ?? ''
}

/** Types `key` as the user would and saves; resolves once the dialog has closed (the relay accepted the key). */
export async function submitKey(page: Page, key: string): Promise<void> {
  const dialog = page.locator(DIALOG)
  await dialog.locator('input').pressSequentially(key)
  await dialog.locator('[data-action=save]').click()
  await dialog.waitFor({ state: 'hidden' })
}

/** Whether the key dialog is showing right now (it is created on first use, so it may not exist at all). */
export function isKeyDialogOpen(page: Page): Promise<boolean> {
  return page.locator(`${DIALOG}[open]`).isVisible()
}
