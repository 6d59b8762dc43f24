import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { freePort } from '@byok/test-kit'
import { startDetached, userEnv, waitForOk } from '../../templates/helpers.js'
import { buildApp, createTemplateApp, installApp, type Timings, typecheckApp } from './apps.js'
import { type BrowserRelay, startBrowserRelay } from './relay.js'
import { startStaticServer } from './static-server.js'

export interface ServedTemplate {
  readonly name: string
  /** The scaffolded app's folder. */
  readonly dir: string
  /** The page's origin (its own loopback port, allowed by the relay). */
  readonly origin: string
  readonly relay: BrowserRelay
  /** Bytes of JavaScript and CSS a browser downloads for the page, gzipped file by file. */
  readonly gzipBytes: number
  readonly timings: Timings
  close(): Promise<void>
}

/** Every .js and .css file under `dir`, gzipped one by one (what a static host serves compressed). */
export function gzipSizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(js|css)$/.test(entry.name))
    .reduce((sum, entry) => sum + gzipSync(readFileSync(join(entry.parentPath, entry.name))).length, 0)
}

/**
 * `byok create` → npm install → npm run typecheck → npm run build (each template's README steps), then the app served from its own origin: Vite builds statically,
 * Next with `next start`. The relay (in front of the scripted OpenAI mock) allows exactly that origin.
 */
export async function serveTemplate(
  name: string,
  cwd: string,
  options: {
    relayPerMin?: number
    appSecret?: string
    now?: () => number
    /** Build-time variables (Vite lets process env beat the app's .env), e.g. VITE_BYOK_KEY_ENTRY. */
    buildEnv?: Record<string, string>
    /** `npm run typecheck` before the build (default); a suite that is not the template's own may skip it. */
    typecheck?: boolean
  } = {},
): Promise<ServedTemplate> {
  const { buildEnv = {}, typecheck = true, ...relayOptions } = options
  const timings: Timings = {}
  const closers: (() => Promise<void>)[] = []
  const close = async () => {
    for (const closer of closers.reverse()) await closer()
  }
  try {
    if (name === 'next') {
      const port = await freePort()
      const origin = `http://127.0.0.1:${port}`
      const relay = await startBrowserRelay({ allowedOrigins: [origin], ...relayOptions })
      closers.push(() => relay.close())
      const dir = await createTemplateApp(cwd, name, relay.url)
      await installApp(dir, timings)
      if (typecheck) await typecheckApp(dir, timings)
      await buildApp(dir, timings, buildEnv)
      const server = startDetached('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
        cwd: dir,
        env: userEnv(),
      })
      closers.push(() => server.stop())
      await waitForOk(`${origin}/`, 60_000, server.output)
      const gzipBytes = gzipSizeOf(join(dir, '.next', 'static'))
      return { name, dir, origin, relay, gzipBytes, timings, close }
    }
    const dist = join(cwd, 'app', 'dist')
    const site = await startStaticServer(dist)
    closers.push(() => site.close())
    const relay = await startBrowserRelay({ allowedOrigins: [site.origin], ...relayOptions })
    closers.push(() => relay.close())
    const dir = await createTemplateApp(cwd, name, relay.url)
    await installApp(dir, timings)
    if (typecheck) await typecheckApp(dir, timings)
    await buildApp(dir, timings, buildEnv)
    return { name, dir, origin: site.origin, relay, gzipBytes: gzipSizeOf(dist), timings, close }
  } catch (error) {
    await close()
    throw error
  }
}
