import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { textDeltas } from '@byok/relay/mock-providers'
import { withTempDir } from '@byok/test-kit'
import { expect, it } from 'vitest'
import { expectStoredKeyOnly, STORED_KEYS, startRelayHarness } from '../relay/harness.js'
import { run, useLocalClientPackage, userEnv } from '../templates/helpers.js'
import { checkoutFixture, envValues, integrate, secretHits } from './helpers.js'

// One transformed fixture app, run for real: `byok integrate` rewrites vite-react-openai-sdk-streaming, the
// fixture's own Vite bundles its chat module for Node (import.meta.env inlined exactly as in the browser build),
// and a child process calls the app's streamChat() — its OpenAI SDK client, for-await loop and all — against a
// real relay whose OpenAI upstream is the mock. The user is signed in (their relay token sits in a localStorage
// shim) and has stored their key on the relay; the app never sees that key.
const FIXTURE = 'vite-react-openai-sdk-streaming'
const CHUNKS = 6
const DELAY_MS = 100

/** Runs the built app module with a browser-like localStorage holding the signed-in user's relay token. */
const RUNNER = `
const token = process.env.BYOK_TEST_RELAY_TOKEN
const reads = []
globalThis.localStorage = {
  getItem(key) {
    reads.push(key)
    return key.startsWith('byok:token:') ? token : null
  },
  setItem() {
    throw new Error('the app registered a new relay user instead of using the signed-in one')
  },
  removeItem() {},
}
const { streamChat } = await import('./dist-node/chat.js')
const started = performance.now()
const deltas = []
const answer = await streamChat([{ role: 'user', content: 'Say hello' }], (text) => {
  deltas.push({ text, at: performance.now() - started })
})
process.stdout.write(JSON.stringify({ answer, deltas, reads }))
`

it('the integrated app streams a chat completion through the relay with the key stored there', () =>
  withTempDir(async (dir) => {
    checkoutFixture(FIXTURE, dir)
    const integrated = await integrate(dir, ['--yes'])
    expect(integrated.code, integrated.stderr).toBe(0)
    expect(integrated.report?.files.find((f) => f.path === 'src/lib/openai.ts')?.status).toBe('modified')
    const appKey = envValues(dir, ['VITE_OPENAI_API_KEY'])
    await useLocalClientPackage(dir) // @byok/client from the tarball packed from templates/client
    const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir })

    const harness = await startRelayHarness({ chunks: CHUNKS, delayMs: DELAY_MS })
    try {
      // The app's own module graph, bundled by its own Vite for Node with the relay URL the browser build would get.
      const build = await run(
        'npx',
        ['vite', 'build', '--ssr', 'src/api/chat.ts', '--outDir', 'dist-node', '--emptyOutDir'],
        { cwd: dir, env: userEnv({ VITE_BYOK_RELAY_URL: harness.url }) },
      )
      writeFileSync(join(dir, 'stream-chat.mjs'), RUNNER)
      const started = performance.now()
      const { output } = await run(process.execPath, ['stream-chat.mjs'], {
        cwd: dir,
        env: userEnv({ BYOK_TEST_RELAY_TOKEN: harness.token }),
      })
      const seconds = (performance.now() - started) / 1000
      const result = JSON.parse(output) as {
        answer: string
        deltas: { text: string; at: number }[]
        reads: string[]
      }

      // The chunks came through the app's own for-await loop, one by one as the mock sent them.
      expect(result.answer).toBe(textDeltas(CHUNKS).join(''))
      expect(result.deltas.map((d) => d.text)).toEqual(textDeltas(CHUNKS))
      const spread = result.deltas.at(-1)!.at - result.deltas[0]!.at
      expect(spread).toBeGreaterThanOrEqual((CHUNKS - 1) * DELAY_MS * 0.5)
      // The helper read the signed-in token for this relay (its URL came from VITE_BYOK_RELAY_URL at build time).
      expect(result.reads.some((key) => key.includes(harness.url))).toBe(true)

      // Upstream saw one streamed call, with the key stored on the relay, and nothing from the app's .env.
      const mock = harness.mocks.openai
      expect(mock.exchanges.map((e) => `${e.request.method} ${e.request.path}`)).toEqual([
        'POST /v1/chat/completions',
      ])
      expect(JSON.parse(mock.exchanges[0]!.request.body.toString('utf8'))).toMatchObject({ stream: true })
      expectStoredKeyOnly(mock, harness.token, 'authorization', `Bearer ${STORED_KEYS.openai}`)
      for (const { request } of mock.exchanges) {
        const seen = [request.url, JSON.stringify(request.headers), request.body.toString('utf8')].join('\n')
        expect(seen.includes(appKey.get('VITE_OPENAI_API_KEY')!), 'the .env key reached upstream').toBe(false)
      }

      // The app never had the stored key: not in its sources, its Node bundle, or anything it printed.
      const stored = new Map([['the stored OpenAI key', STORED_KEYS.openai]])
      expect(secretHits(dir, stored, { skipDirs: new Set(['.git', 'node_modules']) })).toEqual([])
      expect(output.includes(STORED_KEYS.openai)).toBe(false)
      console.info(
        `stream ${FIXTURE}: install ${install.seconds.toFixed(1)}s, node build ${build.seconds.toFixed(1)}s, ` +
          `streamed ${CHUNKS} chunks in ${seconds.toFixed(1)}s`,
      )
    } finally {
      await harness.close()
    }
  }))
