import { existsSync } from 'node:fs'
import { type BrowserContext, chromium } from 'playwright-core'
import { withTempDir } from '../../../cli/test/helpers.js'

/** Debian's chromium: never a browser downloaded by a test tool (this machine's network would refuse it). */
export const CHROMIUM_PATH = '/usr/bin/chromium'

// Without the background-networking flags Chromium dials Google's hosts at start-up, which the closed network
// here refuses; --no-sandbox because CI runs as root.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function isChromiumInstalled(): boolean {
  return existsSync(CHROMIUM_PATH)
}

/**
 * Fails (never skips) a test when chromium is missing, saying how to install it. Call it in the test itself: a
 * failing `beforeAll` would leave the tests reported as skipped.
 */
export function assertChromiumInstalled(): void {
  if (!isChromiumInstalled()) {
    throw new Error(
      `The browser suite needs Debian's Chromium at ${CHROMIUM_PATH}, which is not installed. ` +
        'Install it with: apt-get install -y chromium',
    )
  }
}

/**
 * Runs `fn` with a headless Chromium on a brand-new profile (its own temp user-data-dir), so no token, cookie or
 * cache carries over from another test or run; closes it afterwards.
 */
export async function withBrowser<T>(fn: (context: BrowserContext) => Promise<T>): Promise<T> {
  assertChromiumInstalled()
  return withTempDir(async (profile) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
      headless: true,
      timeout: 30_000,
      viewport: { width: 900, height: 900 },
    })
    context.setDefaultTimeout(15_000)
    try {
      return await fn(context)
    } finally {
      await context.close()
    }
  })
}
