import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEV_MOCK_SETTINGS, textDeltas } from '@byok/relay/mock-providers'
import { freePort } from '@byok/test-kit'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type HeldTempDir, holdTempDir } from '../browser/support/temp-dir.js'
import { run, startDetached, userEnv, waitForOk } from '../templates/helpers.js'
import { localSqlitePrebuild, PUBLISHED_PACKAGES, packPackages } from './packages.js'

type Detached = ReturnType<typeof startDetached>

/** Waits until a started process prints `pattern`; returns the first capture group. */
async function waitForOutput(proc: Detached, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = proc.output().match(pattern)
    if (match) return match[1] ?? match[0]
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${proc.output()}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** The text deltas of an OpenAI chat-completions SSE body, in order. */
function chatDeltas(sse: string): string[] {
  return sse
    .split('\n')
    .filter((line) => line.startsWith('data: {'))
    .map((line) => JSON.parse(line.slice(6)) as { choices: { delta: { content?: string } }[] })
    .map((chunk) => chunk.choices[0]?.delta.content ?? '')
    .filter(Boolean)
}

// Issue 16 item 5: what `npm publish` would ship, used the way a stranger would. Every published package is
// packed (`pnpm pack`: publishConfig applied, workspace:* replaced), the tarballs are installed with npm into an
// empty folder — no workspace, no tsx, no source condition — and the documented commands run from there.
describe('the packed packages, installed with npm into an empty folder', () => {
  let temp: HeldTempDir
  let home: string
  let clientTarball: string
  const env = () => userEnv({ HOME: home })

  beforeAll(async () => {
    temp = await holdTempDir()
    home = join(temp.dir, 'home')
    mkdirSync(home)
    const packs = join(temp.dir, 'packs')
    mkdirSync(packs)
    const tarballs = await packPackages(packs)
    clientTarball = tarballs.get('@byok/client')!
    writeFileSync(join(temp.dir, 'package.json'), '{ "name": "try-byok", "private": true }\n')
    // The user's own npm cache stays warm across runs; HOME only isolates the byok config the CLI writes.
    const prebuild = await localSqlitePrebuild(join(temp.dir, 'prebuilds'))
    const { seconds } = await run('npm', ['install', '--no-audit', '--no-fund', ...tarballs.values()], {
      cwd: temp.dir,
      env: userEnv({ HOME: process.env.HOME ?? home, ...prebuild }),
    })
    console.info(`packed packages: npm install ${seconds.toFixed(1)}s`)
  }, 1_200_000)

  afterAll(async () => {
    await temp?.release()
  })

  it.each(PUBLISHED_PACKAGES)(
    '$name ships README, LICENSE, engines, built JS bins and no workspace-only specifier',
    (pkg) => {
      const dir = join(temp.dir, 'node_modules', pkg.name)
      const raw = readFileSync(join(dir, 'package.json'), 'utf8')
      const manifest = JSON.parse(raw) as {
        engines?: { node?: string }
        bin?: Record<string, string>
        files?: string[]
      }
      expect(raw).not.toMatch(/"workspace:|"source":|"link:|"file:/)
      expect(manifest.engines?.node).toBe('>=20.19')
      expect(existsSync(join(dir, 'README.md'))).toBe(true)
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toMatch(/^MIT License/)
      expect(Object.keys(manifest.bin ?? {}).sort()).toEqual([...pkg.bins].sort())
      for (const file of Object.values(manifest.bin ?? {})) {
        expect(file).toMatch(/\.js$/)
        expect(readFileSync(join(dir, file), 'utf8')).toMatch(/^#!\/usr\/bin\/env (-S )?node/)
      }
      expect(raw).not.toContain('tsx')
    },
  )

  it('every entry point loads under plain node', async () => {
    const entries = [
      '@byok/relay',
      '@byok/relay/providers',
      '@byok/relay/mock-providers',
      '@byok/mcp',
      'byok',
    ]
    const script = `for (const e of ${JSON.stringify(entries)}) await import(e); console.log('ok')`
    const { output } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: temp.dir,
      env: env(),
    })
    expect(output.trim()).toBe('ok')
  })

  it('`npx byok dev --mock` says mocks are on and streams a reply through /relay/openai/v1/chat/completions', async () => {
    const relay = startDetached('npx', ['byok', 'dev', '--mock', '--port', '0'], {
      cwd: temp.dir,
      env: env(),
    })
    try {
      const url = await waitForOutput(
        relay,
        /listening on (http:\/\/\S+) \(dev mode.*mock providers ON/,
        60_000,
      )
      const registered = await fetch(`${url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ app_id: 'packed' }),
      })
      const { token } = (await registered.json()) as { token: string }
      const headers = { 'content-type': 'application/json', 'x-relay-token': token }
      const stored = await fetch(`${url}/keys/openai`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ key: 'sk-any-key-works-with-mocks' }),
      })
      expect(stored.status).toBe(200)
      const reply = await fetch(`${url}/relay/openai/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          stream: true,
          messages: [{ role: 'user', content: 'Hi' }],
        }),
      })
      expect(reply.headers.get('content-type')).toMatch(/^text\/event-stream/)
      const deltas = chatDeltas(await reply.text())
      expect(deltas).toEqual(textDeltas(DEV_MOCK_SETTINGS.chunks))
    } finally {
      await relay.stop()
    }
  })

  it('`npm exec create-byok -- app --template react --yes` scaffolds an app whose printed commands and README work', async () => {
    // --no-install: the app depends on @byok/client, which is not on the registry before it is published with the
    // CLI; like every test, this one installs the packed tarball instead of a registry copy, then runs the printed
    // `npm install`.
    const created = await run(
      'npm',
      ['exec', 'create-byok', '--', 'app', '--template', 'react', '--yes', '--no-install'],
      { cwd: temp.dir, env: env() },
    )
    const printed = created.output
      .split('\n')
      .filter((line) => line.startsWith('  '))
      .map((line) => line.trim())
    expect(printed).toEqual(expect.arrayContaining(['cd app', 'npm install', 'npm run dev', 'npx byok dev']))
    const app = join(temp.dir, 'app')
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>
    }
    expect(manifest.dependencies['@byok/client']).toBe('^0.1.0')
    manifest.dependencies['@byok/client'] = `file:${clientTarball}`
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    const readme = readFileSync(join(app, 'README.md'), 'utf8')
    for (const command of ['npm install', 'npm run dev', 'npx byok dev', 'npm run build']) {
      expect(readme).toContain(command)
    }
    await run('npm', ['install', '--no-audit', '--no-fund'], { cwd: app, env: env() })
    const build = await run('npm', ['run', 'build'], { cwd: app, env: env() })
    expect(existsSync(join(app, 'dist/index.html')), build.output).toBe(true)

    // `npm run dev` and `npx byok dev` as printed, from the app folder (PORT=0 for the relay: 3000 may be taken).
    const port = await freePort()
    const site = startDetached('npm', ['run', 'dev', '--', '--port', String(port), '--strictPort'], {
      cwd: app,
      env: env(),
    })
    const relay = startDetached('npx', ['byok', 'dev'], { cwd: app, env: { ...env(), PORT: '0' } })
    try {
      const page = await waitForOk(`http://localhost:${port}/`, 60_000, site.output)
      expect(await page.text()).toContain('<div id="root">')
      const url = await waitForOutput(relay, /listening on (http:\/\/\S+) \(dev mode/, 60_000)
      expect((await fetch(`${url}/health`)).status).toBe(200)
    } finally {
      await site.stop()
      await relay.stop()
    }
  })

  it('`npx byok mcp` answers an MCP initialize and lists its tools (MCP SDK client over stdio)', async () => {
    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['byok', 'mcp'],
      cwd: temp.dir,
      env: env(),
      stderr: 'pipe',
    })
    const client = new Client({ name: 'packed-test', version: '0' })
    try {
      await client.connect(transport)
      expect(client.getServerVersion()?.name).toMatch(/byok/)
      const { tools } = await client.listTools()
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining([
          'relay_health',
          'register_user',
          'store_key',
          'test_relay',
          'integrate_project',
        ]),
      )
    } finally {
      await client.close()
    }
  })
})
