import { existsSync } from 'node:fs'
import { withTempDir } from '@byok/test-kit'
import { type BrowserContext, chromium } from 'playwright-core'
import { type LaunchableChromium, unpackPackagedChromium } from './packaged-chromium.js'

/** Where a system Chrome or Chromium usually lives (Debian/Ubuntu, Fedora, snap, macOS). */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
]

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

/**
 * A system Chrome/Chromium when one is installed at `systemPaths`, else the Chromium shipped inside the
 * `@sparticuz/chromium` dev dependency, so a machine with only Node and npm runs the browser suite too. Never
 * a browser downloaded by a test tool.
 */
export function resolveChromium(systemPaths: readonly string[] = SYSTEM_CHROMIUM_PATHS): LaunchableChromium {
  const system = systemPaths.find((path) => existsSync(path))
  return system ? { executablePath: system, env: {}, source: system } : unpackPackagedChromium()
}

/** True when a browser can be launched: a system one, or the packaged one is installed (`pnpm install`). */
export function isChromiumInstalled(): boolean {
  try {
    resolveChromium()
    return true
  } catch {
    return false
  }
}

/**
 * Fails (never skips) a test when no browser can be launched, saying how to get one. Call it in the test itself: a
 * failing `beforeAll` would leave the tests reported as skipped.
 */
export function assertChromiumInstalled(): void {
  if (!isChromiumInstalled()) {
    throw new Error(
      'The browser suite found no system Chrome/Chromium and no @sparticuz/chromium dev dependency: run `npx -y pnpm@12.4.2 install`.',
    )
  }
}

export interface BrowserOptions {
  /** Overrides SYSTEM_CHROMIUM_PATHS; `[]` forces the packaged Chromium (the launcher's own test does). */
  readonly systemPaths?: readonly string[]
}

/**
 * Runs `fn` with a headless Chromium on a brand-new profile (its own temp user-data-dir), so no token, cookie or
 * cache carries over from another test or run; closes it afterwards.
 */
export async function withBrowser<T>(
  fn: (context: BrowserContext) => Promise<T>,
  options: BrowserOptions = {},
): Promise<T> {
  const browser = resolveChromium(options.systemPaths)
  return withTempDir(async (profile) => {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: browser.executablePath,
      env: { ...process.env, ...browser.env },
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
