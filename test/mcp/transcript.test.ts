/// <reference lib="dom" />
import { cpSync, existsSync, readFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { type MockProvider, startOpenAIMock, textDeltas } from '@byok/relay/mock-providers'
import { commitAll, freePort, spawnByok } from '@byok/test-kit'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, installApp, readBundle, readEnvValue, type Timings } from '../browser/support/apps.js'
import { assertChromiumInstalled, isChromiumInstalled, withBrowser } from '../browser/support/chromium.js'
import { isKeyDialogOpen, submitKey, waitForKeyDialog } from '../browser/support/key-dialog.js'
import { waitForText } from '../browser/support/page-watch.js'
import { STREAM, TYPED_KEY } from '../browser/support/relay.js'
import { type StaticServer, startStaticServer } from '../browser/support/static-server.js'
import { type HeldTempDir, holdTempDir } from '../browser/support/temp-dir.js'
import { packByokClient } from '../client/pack.js'
import { captureLogOutput } from '../log-scan.js'
import { run } from '../templates/helpers.js'
import { cliEnv, connectByokMcp } from './helpers.js'

// The stock create-vite react-ts template (create-vite 9.3.0, `npm pack create-vite` → template-react-ts) with one
// browser OpenAI call added (src/openai.ts, src/Ask.tsx) and a fake key in .env.
const FIXTURE = new URL('./fixtures/vite-react-ts-openai/', import.meta.url)
const REPLY = textDeltas(STREAM.chunks).join('')
/** What an agent's context pays per call: the JSON-RPC result as the client receives it. */
const INTEGRATE_BUDGET_BYTES = 2_048

interface DevRelay {
  stop(): Promise<void>
}

/** `byok dev` as a process on `port` with the data dir `dataDir`: the relay a developer runs, and the MCP reuses. */
async function startDevRelay(cwd: string, port: number, env: Record<string, string>): Promise<DevRelay> {
  const dev = spawnByok(['dev', '--port', String(port)], { cwd, env })
  dev.child.stderr?.on('data', (d: Buffer) => captureLogOutput(d))
  dev.child.stdout?.on('data', (d: Buffer) => captureLogOutput(d))
  await dev.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+ \(dev mode/, 120_000)
  return {
    async stop() {
      dev.child.kill('SIGTERM')
      await dev.exited()
    },
  }
}

/** The agent's side: each call recorded with its size, failing on an error result. */
function recorder(client: { callTool(args: unknown): Promise<unknown> }) {
  const sizes: Record<string, number[]> = {}
  const transcript: CallToolResult[] = []
  return {
    sizes,
    transcript,
    async call(name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult
      transcript.push(result)
      expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy()
      const bytes = Buffer.byteLength(JSON.stringify(result))
      const key = args.apply ? `${name} (apply)` : name
      sizes[key] = [...(sizes[key] ?? []), bytes]
      return result
    },
  }
}

/** The `@byok/client` version range the app's package.json asks for, if any. */
function clientDependency(dir: string): string | undefined {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>
  }
  return manifest.dependencies?.['@byok/client']
}

/**
 * `npm install`; an app that depends on `@byok/client` gets it from the packed tarball (the package as it would be
 * published: no registry copy exists, and the tests never take one).
 */
async function installWithClient(dir: string, timings: Timings): Promise<void> {
  if (clientDependency(dir) === undefined) return installApp(dir, timings)
  const tarball = await packByokClient()
  const { seconds } = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
    cwd: dir,
  })
  timings.install = (timings.install ?? 0) + seconds
}

async function send(page: Page, text: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(text)
  await page.getByRole('button', { name: 'Send' }).click()
}

describe('an agent follows the skill over stdio MCP, and the app works', () => {
  const timings: Timings = {}
  let temp: HeldTempDir | undefined
  let openai: MockProvider | undefined
  let relay: DevRelay | undefined
  let site: StaticServer | undefined
  let port = 0
  let env: Record<string, string> = {}

  beforeAll(async () => {
    if (!isChromiumInstalled()) return // the test fails with the install hint instead of minutes of setup
    temp = await holdTempDir()
    openai = await startOpenAIMock({ ...STREAM, expectedKey: TYPED_KEY })
    port = await freePort()
    env = cliEnv(join(temp.dir, 'home'), { OPENAI_BASE_URL: openai.url, MY_OPENAI_KEY: TYPED_KEY })
    relay = await startDevRelay(temp.dir, port, env)
  })

  afterAll(async () => {
    await site?.close()
    await relay?.stop()
    await openai?.close()
    await temp?.release()
  })

  it('existing create-vite react-ts app: relay_health → integrate_project (dry run, apply) → register_user → store_key (key_env) → test_relay; it builds, streams in Chromium, and the key survives a relay restart', async () => {
    assertChromiumInstalled()
    const root = temp!.dir
    const app = join(root, 'app')
    cpSync(FIXTURE, app, { recursive: true })
    const shippedKey = readEnvValue(join(app, '.env'), 'VITE_OPENAI_API_KEY')
    commitAll(app)
    const mcp = await connectByokMcp(root, env, port)
    const agent = recorder(mcp.client)
    try {
      const health = await agent.call('relay_health')
      expect(health.structuredContent).toMatchObject({
        ok: true,
        relay_source: 'running',
        relay_url: mcp.relayUrl,
      })
      const dry = await agent.call('integrate_project', { path: 'app' })
      expect(dry.structuredContent).toMatchObject({ result: 'dry_run', framework: 'vite' })
      expect((dry.structuredContent as { edited: { path: string }[] }).edited.map((f) => f.path)).toContain(
        'src/openai.ts',
      )
      const applied = await agent.call('integrate_project', { path: 'app', apply: true })
      expect(applied.structuredContent).toMatchObject({ result: 'applied' })
      // The app points at the relay the developer runs: this one.
      expect(readEnvValue(join(app, '.env'), 'VITE_BYOK_RELAY_URL')).toBe(`"${mcp.relayUrl}"`)
      for (const bytes of [...agent.sizes.integrate_project!, ...agent.sizes['integrate_project (apply)']!]) {
        expect(bytes).toBeLessThan(INTEGRATE_BUDGET_BYTES)
      }
      await agent.call('register_user', { app_id: 'transcript' })
      await agent.call('store_key', { provider: 'openai', key_env: 'MY_OPENAI_KEY' })
      const tested = await agent.call('test_relay', { provider: 'openai' })
      expect(tested.structuredContent).toMatchObject({ ok: true, status: 200 })

      // The codemod added the package, not a copied helper; the app's own build (`tsc -b && vite build`) passes.
      expect(clientDependency(app)).toBe('^0.1.0')
      await installWithClient(app, timings)
      const bundle = readBundle(await buildApp(app, timings))
      expect(bundle.includes(shippedKey), 'the bundle still holds the shipped provider key').toBe(false)
      expect(bundle.includes(mcp.relayUrl), 'the build inlines the relay URL from .env').toBe(true)
      site = await startStaticServer(join(app, 'dist'))

      await withBrowser(async (context) => {
        const page = await context.newPage()
        await page.goto(site!.origin)
        await send(page, 'Say hello')
        expect(await waitForKeyDialog(page)).toContain('OpenAI')
        await submitKey(page, TYPED_KEY)
        await waitForText(page, '#reply', REPLY)
        expect(openai!.exchanges.at(-1)?.request.path).toBe('/v1/chat/completions')

        // The developer restarts the relay: the page's stored key and the agent's are both still there.
        await relay!.stop()
        relay = await startDevRelay(root, port, env)
        await page.reload()
        await send(page, 'Again')
        await waitForText(page, '#reply', REPLY)
        expect(await isKeyDialogOpen(page), 'no key dialog after the relay restart').toBe(false)
      })
      const again = await agent.call('test_relay', { provider: 'openai' })
      expect(again.structuredContent).toMatchObject({ ok: true })
      await agent.call('list_keys')
    } finally {
      await mcp.close()
    }
    console.info(`transcript result sizes (bytes): ${JSON.stringify(agent.sizes)}`)
    console.info(`fixture app: install ${timings.install?.toFixed(1)}s, build ${timings.build?.toFixed(1)}s`)
    const everything = JSON.stringify(agent.transcript) + mcp.stderr()
    for (const key of [TYPED_KEY, shippedKey]) expect(everything.includes(key)).toBe(false)
  })

  it('a new app: relay_health → scaffold_project → register_user → store_key (key_env) → test_relay; it builds and streams in Chromium', async () => {
    assertChromiumInstalled()
    const root = temp!.dir
    const mcp = await connectByokMcp(root, env, port)
    const agent = recorder(mcp.client)
    try {
      await agent.call('relay_health')
      // Given the existing app, scaffold_project writes nothing and answers with the integrate_project step.
      const existing = await agent.call('scaffold_project', { template: 'react', dir: 'app' })
      expect(existing.structuredContent).toMatchObject({
        created: false,
        next: [expect.stringMatching(/^integrate_project/)],
      })
      const created = await agent.call('scaffold_project', { template: 'react', dir: 'new-app' })
      expect(created.structuredContent).toMatchObject({
        created: true,
        env: { VITE_BYOK_RELAY_URL: mcp.relayUrl },
      })
      await agent.call('register_user', { app_id: 'new-app' })
      await agent.call('store_key', { provider: 'openai', key_env: 'MY_OPENAI_KEY' })
      await agent.call('test_relay', { provider: 'openai' })
      await agent.call('delete_key', { provider: 'openai' })
    } finally {
      await mcp.close()
    }
    const dir = join(root, 'new-app')
    expect(existsSync(join(dir, 'package.json'))).toBe(true)
    await installWithClient(dir, timings)
    await buildApp(dir, timings)
    const built = join(root, 'new-app-dist')
    renameSync(join(dir, 'dist'), built)
    const newSite = await startStaticServer(built)
    try {
      await withBrowser(async (context) => {
        const page = await context.newPage()
        await page.goto(newSite.origin)
        await send(page, 'Say hello')
        expect(await waitForKeyDialog(page)).toContain('OpenAI')
        await submitKey(page, TYPED_KEY)
        await waitForText(page, '.messages li[data-role="assistant"]:last-of-type', REPLY)
      })
    } finally {
      await newSite.close()
    }
    console.info(`scaffold transcript result sizes (bytes): ${JSON.stringify(agent.sizes)}`)
    expect(JSON.stringify(agent.transcript).includes(TYPED_KEY)).toBe(false)
  })
})
