/// <reference lib="dom" />
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveChromium, withBrowser } from './support/chromium.js'

// The browser suite must run on a machine with only Node and npm. This file hides every system browser
// (systemPaths: []) so the Chromium shipped in the @sparticuz/chromium dev dependency is the one launched, and
// drives it through what the journeys need: a page from a loopback origin, script, and a streamed fetch.
describe('the packaged Chromium, with no system browser', () => {
  let server: Server
  let origin: string

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/') {
        res.setHeader('content-type', 'text/html')
        res.end(
          '<p id="out">loading</p><script>fetch("/stream").then((r) => r.text())' +
            '.then((t) => { document.getElementById("out").textContent = t })</script>',
        )
        return
      }
      res.setHeader('content-type', 'text/event-stream')
      res.write('data: one\n\n')
      setTimeout(() => res.end('data: two\n\n'), 100)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
  })

  it('resolves to the unpacked binary inside node_modules, not a system path', () => {
    const browser = resolveChromium([])
    expect(browser.source).toMatch(/^@sparticuz\/chromium@\d+/)
    expect(browser.executablePath).toMatch(/node_modules\/\.cache\/byok-chromium\/[^/]+\/chromium$/)
  })

  it('launches headless and runs a page that streams over loopback', async () => {
    const text = await withBrowser(
      async (context) => {
        const page = await context.newPage()
        await page.goto(`${origin}/`)
        await page.waitForFunction(() => document.getElementById('out')?.textContent?.includes('two'))
        return page.textContent('#out')
      },
      { systemPaths: [] },
    )
    expect(text).toBe('data: one\n\ndata: two\n\n')
  })
})
