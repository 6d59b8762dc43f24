/// <reference lib="dom" />
import { join } from 'node:path'
import { textDeltas } from '@byok/relay/mock-providers'
import { commitAll, runByok } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLocalClientPackage } from '../templates/helpers.js'
import {
  buildApp,
  copyFixtureApp,
  installApp,
  readBundle,
  readEnvValue,
  type Timings,
} from './support/apps.js'
import { resolveArtifactPath } from './support/artifacts.js'
import { withBrowser } from './support/chromium.js'
import { expectStreamedReply } from './support/expect-streamed.js'
import { submitKey, waitForKeyDialog } from './support/key-dialog.js'
import {
  createResponseLog,
  dumpBrowserStorage,
  readStoredTokens,
  recordTextChanges,
  waitForText,
} from './support/page-watch.js'
import { type BrowserRelay, STREAM, startBrowserRelay, TYPED_KEY } from './support/relay.js'
import { type StaticServer, startStaticServer } from './support/static-server.js'
import { type HeldTempDir, holdTempDir } from './support/temp-dir.js'

const FIXTURE = 'vite-vanilla-openai-fetch'
const REPLY = textDeltas(STREAM.chunks).join('')

// SPEC §1 journey 1 in a real Chromium: an existing Vite app that streams from api.openai.com with its own key
// inlined into the bundle; `byok integrate --yes` (the CLI as a process) moves the call onto the relay; the rebuilt
// app, served from its own origin, asks the visitor for their key and streams through the relay.
describe('journey 1 in Chromium: byok integrate on a fetch-to-OpenAI app, then the first message', () => {
  const timings: Timings = {}
  let temp: HeldTempDir | undefined
  let site: StaticServer | undefined
  let relay: BrowserRelay | undefined

  beforeAll(async () => {
    temp = await holdTempDir()
    site = await startStaticServer(join(temp.dir, FIXTURE, 'dist'))
    relay = await startBrowserRelay({ allowedOrigins: [site.origin] })
  })

  afterAll(async () => {
    await relay?.close()
    await site?.close()
    await temp?.release()
  })

  it('takes the provider key out of the bundle, and the app streams through the relay with the user’s key', async () => {
    const dir = copyFixtureApp(FIXTURE, temp!.dir)
    const shippedKey = readEnvValue(join(dir, '.env'), 'VITE_OPENAI_API_KEY')
    await installApp(dir, timings)
    const before = readBundle(await buildApp(dir, timings))
    expect(before.includes(shippedKey), 'before integrate, the bundle inlines the provider key').toBe(true)

    commitAll(dir)
    const integrated = await runByok(['integrate', '--yes'], { cwd: dir })
    expect(integrated.code, integrated.stderr).toBe(0)
    expect(integrated.stderr).toContain('found src/openai.js')
    expect(integrated.stderr).toMatch(/Provider keys in env files[^\n]*\n\s+\.env: VITE_OPENAI_API_KEY/)

    // The codemod added the @byok/client dependency: installed from the tarball packed from templates/client.
    await useLocalClientPackage(dir)
    await installApp(dir, timings)
    // Built as it would be deployed: the relay URL from the environment; .env still holds the old key.
    const after = readBundle(await buildApp(dir, timings, { VITE_BYOK_RELAY_URL: relay!.url }))
    expect(after.includes(shippedKey), 'after integrate, the bundle still holds the provider key').toBe(false)
    expect(after.includes(relay!.url), 'the build inlines VITE_BYOK_RELAY_URL').toBe(true)
    console.info(
      `fixture app: install ${timings.install?.toFixed(1)}s, two builds ${timings.build?.toFixed(1)}s`,
    )

    const { openai } = relay!
    await withBrowser(async (context) => {
      const responses = createResponseLog(context)
      const page = await context.newPage()
      await responses.attach(page)
      await page.goto(site!.origin)

      await page.getByRole('textbox', { name: 'Message' }).fill('Say hello')
      await page.getByRole('button', { name: 'Send' }).click()
      expect(await waitForKeyDialog(page)).toContain('OpenAI')
      expect(openai.exchanges.length, 'no upstream call without a stored key').toBe(0)
      await recordTextChanges(page, '#reply')
      await submitKey(page, TYPED_KEY)
      await waitForText(page, '#reply', REPLY)
      await expectStreamedReply(page, REPLY, openai.exchanges.at(-1))
      expect(openai.exchanges.length).toBe(1)
      expect(await page.getByRole('alert').textContent()).toBe('')

      const screenshot = resolveArtifactPath('integrated-fetch-streamed.png')
      await page.screenshot({ path: screenshot, fullPage: true })
      console.info(`screenshot of the integrated app: ${screenshot}`)

      // The page never spoke to the provider itself, and kept only the relay token.
      const direct = responses.requestedUrls.filter((url) => new URL(url).hostname === 'api.openai.com')
      expect(direct).toEqual([])
      const tokens = await readStoredTokens(page)
      expect(tokens.length, 'one relay token in localStorage').toBe(1)
      expect((await relay!.checkToken(tokens[0]!)).status, 'the relay accepts the stored token').toBe(200)
      const storage = await dumpBrowserStorage(context, [page])
      expect(storage.includes(tokens[0]!), 'browser storage holds the relay token').toBe(true)
      expect(storage.includes(TYPED_KEY), 'browser storage holds the typed provider key').toBe(false)
      expect(storage.includes(shippedKey), 'browser storage holds the shipped provider key').toBe(false)

      const { bodies, pending } = responses.readBodies()
      expect(pending, 'response bodies still loading').toBe(0)
      expect(bodies.filter((body) => body.includes('chat.completion.chunk')).length).toBe(1)
      for (const [name, key] of [
        ['typed', TYPED_KEY],
        ['shipped', shippedKey],
      ] as const) {
        const leaking = bodies.filter((body) => body.includes(key)).length
        expect(leaking, `responses carrying the ${name} provider key, of ${bodies.length}`).toBe(0)
      }
    })
  })
})
