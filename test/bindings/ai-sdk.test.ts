/// <reference lib="dom" />
import { join } from 'node:path'
import { parseJsonBody, textDeltas } from '@byok/relay/mock-providers'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { assertChromiumInstalled, isChromiumInstalled, withBrowser } from '../browser/support/chromium.js'
import { submitKey, waitForKeyDialog } from '../browser/support/key-dialog.js'
import { type StaticServer, startStaticServer } from '../browser/support/static-server.js'
import { type HeldTempDir, holdTempDir } from '../browser/support/temp-dir.js'
import type { ClientRelay } from '../client/harness.js'
import { bundleApp } from './support/bundle.js'
import { readDocExample } from './support/docs.js'
import { startBindingsRelay, USER_ANTHROPIC_KEY, USER_GEMINI_KEY, USER_KEY } from './support/relay.js'
import { TOOL_INPUT } from './support/tool-mocks.js'

const STREAM = { chunks: 4, delayMs: 20 }
const REPLY = textDeltas(STREAM.chunks).join('')

/** The test's own entry: the doc's `ask` / `answer` reachable from page.evaluate. */
const HARNESS = `import { anthropic, answer, ask, google, openai } from './ai'
const models = { openai: openai('gpt-4o-mini'), anthropic: anthropic('claude-sonnet-4-5'), google: google('gemini-2.0-flash') }
const deltas: string[] = []
Object.assign(window, {
  ask: async (provider: keyof typeof models, prompt: string) => {
    deltas.length = 0
    const result = await ask(models[provider], prompt, (delta) => deltas.push(delta))
    return { ...result, deltas: [...deltas] }
  },
  answer: (provider: keyof typeof models, prompt: string) => answer(models[provider], prompt),
})
`

interface Asked {
  text: string
  deltas: string[]
  toolResults: { toolName: string; input: unknown; output: unknown }[]
}

declare global {
  interface Window {
    ask(provider: string, prompt: string): Promise<Asked>
    answer(provider: string, prompt: string): Promise<string>
  }
}

let temp: HeldTempDir | undefined
let relay: ClientRelay | undefined
let site: StaticServer | undefined

beforeAll(async () => {
  if (!isChromiumInstalled()) return
  temp = await holdTempDir()
  site = await startStaticServer(join(temp.dir, 'dist'))
  relay = await startBindingsRelay({ allowedOrigins: [site.origin], stream: STREAM })
  await bundleApp({
    dir: temp.dir,
    files: { ...readDocExample('ai-sdk'), 'src/test-main.ts': HARNESS },
    entry: 'src/test-main.ts',
    mount: 'app',
    env: { VITE_BYOK_RELAY_URL: relay.url },
  })
})

afterAll(async () => {
  await relay?.close()
  await site?.close()
  await temp?.release()
})

/** Runs `call` in the page; the first call to a provider opens the key dialog, answered with `key`. */
async function withKeyPrompt<T>(page: Page, key: string, call: () => Promise<T>): Promise<T> {
  const pending = call()
  await waitForKeyDialog(page)
  await submitKey(page, key)
  return pending
}

const PROVIDERS = [
  { provider: 'openai', key: USER_KEY, path: '/v1/responses', mock: () => relay!.mock },
  { provider: 'anthropic', key: USER_ANTHROPIC_KEY, path: '/v1/messages', mock: () => relay!.anthropic },
  {
    provider: 'google',
    key: USER_GEMINI_KEY,
    path: '/v1beta/models/gemini-2.0-flash:streamGenerateContent',
    mock: () => relay!.gemini,
  },
] as const

describe('@byok/client/ai-sdk in Chromium: the doc page example with ai 7 through a real relay', () => {
  test('streamText with a tool call, for OpenAI, Anthropic and Google models; generateText', async () => {
    assertChromiumInstalled()
    await withBrowser(async (context) => {
      const page = await context.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.goto(site!.origin)
      await page.waitForFunction(() => typeof window.ask === 'function')

      for (const { provider, key, path, mock } of PROVIDERS) {
        const asked = await withKeyPrompt(page, key, () =>
          page.evaluate((p) => window.ask(p, 'What is the weather in Paris?'), provider),
        )
        expect(asked.toolResults, provider).toEqual([
          expect.objectContaining({
            toolName: 'weather',
            input: TOOL_INPUT,
            output: { city: 'Paris', forecast: 'sunny', celsius: 21 },
          }),
        ])
        expect(asked.text, provider).toBe(REPLY)
        expect(asked.deltas.length, `${provider}: streamed in pieces`).toBeGreaterThanOrEqual(2)

        // Upstream: the key_missing attempt never reached the provider; then the tool call, then the answer
        // to a request carrying the tool's output, both with the user's key attached by the relay.
        const exchanges = mock().exchanges
        expect(
          exchanges.map((e) => e.request.path),
          provider,
        ).toEqual([path, path])
        const second = JSON.stringify(parseJsonBody(exchanges[1]!.request))
        expect(second, `${provider}: the tool output went back to the model`).toContain('sunny')
      }

      expect(await page.evaluate(() => window.answer('openai', 'Say hello'))).toBe(REPLY)
      expect(relay!.mock.exchanges.at(-1)!.request.path).toBe('/v1/responses')
      expect(errors).toEqual([])
    })
  })
})
