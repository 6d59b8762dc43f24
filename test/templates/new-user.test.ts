import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { textDeltas } from '@byok/relay/mock-providers'
import { freePort, withTempDir } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RelayHarness, STORED_KEYS, startRelayHarness } from '../relay/harness.js'
import { run, runCreateByok, startDetached, useLocalClientPackage, userEnv, waitForOk } from './helpers.js'

type ProviderId = keyof typeof STORED_KEYS

// The types of the two modules as the scaffolded app has them (loaded below from its dev server).
interface ChatModule {
  streamChat(
    client: unknown,
    options: {
      provider: ProviderId
      model: string
      messages: { role: 'user'; content: string }[]
      signal?: AbortSignal
    },
  ): AsyncGenerator<string>
}
interface ByokModule {
  createByok(options: {
    relayUrl: string
    appId: string
    storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
    promptForKey: (provider: string) => Promise<string | null>
  }): { listKeys(): Promise<{ provider: string }[]> }
}

const MODELS: Record<ProviderId, string> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-3-5-haiku-latest',
  google: 'gemini-2.0-flash',
}

// SPEC §1 journey 2, scripted: `npx create-byok my-app --template react --yes` in an empty directory, then the
// commands it prints. The relay is the real one (buildApp on loopback) in front of mock providers; the chat code
// is the app's installed @byok/client, run under Node (test/browser/templates.test.ts drives the UI in Chromium).
describe('a new user: create-byok → the printed commands → a chat that streams through the relay', () => {
  let relay: RelayHarness
  beforeAll(async () => {
    relay = await startRelayHarness({ chunks: 5 })
  })
  afterAll(async () => {
    await relay?.close()
  })

  it('works end to end', async () => {
    await withTempDir(async (cwd) => {
      // --no-install: the app depends on @byok/client, which this test installs from the tarball packed from
      // templates/client (never a registry copy), so the install is the printed `npm install`, run below.
      const created = await runCreateByok(
        ['my-app', '--template', 'react', '--yes', '--no-install', '--relay-url', relay.url],
        { cwd, env: userEnv() },
      )
      const printed = created.output
        .split('\n')
        .filter((line) => line.startsWith('  '))
        .map((line) => line.trim())
      expect(printed).toEqual(['cd my-app', 'npm install', 'npm run dev', 'npx byok dev'])
      const dir = join(cwd, 'my-app')
      await useLocalClientPackage(dir)
      await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir })

      const port = await freePort()
      const dev = startDetached(
        'npm',
        ['run', 'dev', '--', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
        {
          cwd: dir,
          env: userEnv(),
        },
      )
      try {
        const origin = `http://127.0.0.1:${port}`
        const page = await (await waitForOk(`${origin}/`, 60_000, dev.output)).text()
        expect(page).toContain('<div id="root">')
        // The relay URL reaches the app from .env through Vite's env handling.
        const clientModule = await (await fetch(`${origin}/src/byok-client.ts`)).text()
        expect(clientModule).toContain(relay.url)

        // The app's own @byok/client (its package entry points), as installed in node_modules.
        const pkg = join(dir, 'node_modules', '@byok', 'client', 'dist')
        const { streamChat } = (await import(pathToFileURL(join(pkg, 'chat.js')).href)) as ChatModule
        const { createByok } = (await import(pathToFileURL(join(pkg, 'index.js')).href)) as ByokModule

        // A brand-new browser: no token yet, no key stored. The first call registers, the relay answers
        // key_missing, the key prompt (here: scripted) stores the user's key, and the call is retried.
        const memory = new Map<string, string>()
        const asked: string[] = []
        const byok = createByok({
          relayUrl: relay.url,
          appId: 'my-app',
          storage: {
            getItem: (k) => memory.get(k) ?? null,
            setItem: (k, v) => void memory.set(k, v),
            removeItem: (k) => void memory.delete(k),
          },
          promptForKey: async (provider) => {
            asked.push(provider)
            return STORED_KEYS[provider as ProviderId]
          },
        })
        for (const provider of ['openai', 'anthropic', 'google'] as const) {
          let reply = ''
          const deltas: string[] = []
          const messages = [{ role: 'user' as const, content: 'Say hello' }]
          for await (const delta of streamChat(byok, { provider, model: MODELS[provider], messages })) {
            deltas.push(delta)
            reply += delta
          }
          expect(reply, provider).toBe(textDeltas(5).join(''))
          expect(deltas.length, provider).toBeGreaterThan(1)
        }
        expect(asked).toEqual(['openai', 'anthropic', 'google'])
        expect((await byok.listKeys()).map((k) => k.provider).sort()).toEqual([
          'anthropic',
          'google',
          'openai',
        ])

        // The stop button: aborting mid-stream ends the reply at once.
        relay.mocks.openai.settings.chunks = 20
        relay.mocks.openai.settings.delayMs = 200
        const stop = new AbortController()
        const started = performance.now()
        let received = ''
        const stream = streamChat(byok, {
          provider: 'openai',
          model: MODELS.openai,
          messages: [{ role: 'user', content: 'Tell me a long story' }],
          signal: stop.signal,
        })
        await expect(
          (async () => {
            for await (const delta of stream) {
              received += delta
              stop.abort()
            }
          })(),
        ).rejects.toThrow(/abort/i)
        expect(received).toBe('Hello')
        expect(performance.now() - started).toBeLessThan(2_000)
      } finally {
        await dev.stop()
      }
    })
  })
})
