// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are source code under test
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type Env, loadConfig, type RunningRelay, startRelay } from '@byok/relay'
import { runByok, withTempDir, writeFiles } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyIntegration, planIntegration } from '../src/codemod/run.js'
import type { CliIo } from '../src/io.js'
import { runCli } from '../src/run-cli.js'
import { resolveTemplatesDir } from '../src/scaffold/registry.js'
import { fixturesDir } from './codemod/helpers.js'

const APP_ORIGIN = 'https://app.example.com'

function createTestIo(env: Env = {}): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    env,
    cwd: process.cwd(),
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    waitForShutdown: () => new Promise(() => {}),
  }
}

async function doctor(args: string[], env: Env = {}) {
  const io = createTestIo(env)
  const code = await runCli(['doctor', ...args], io)
  return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') }
}

interface Report {
  ok: boolean
  relay_url: string | null
  checks: {
    id: string
    status: string
    detail: string
    hint?: string
    findings?: { file: string; line: number; severity: string; message: string }[]
  }[]
}

/** The vite-react-openai-sdk fixture as `byok integrate` leaves it; `.env` (the old provider key) removed unless kept. */
function integratedProject(dir: string, options: { keepEnv?: boolean } = {}): void {
  cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
  applyIntegration(planIntegration(dir, { templatesDir: resolveTemplatesDir({}, process.cwd()) }))
  if (!options.keepEnv) rmSync(join(dir, '.env'))
}

/** A loopback port with nothing listening. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

let relay: RunningRelay
let token: string
beforeAll(async () => {
  relay = await startRelay(
    loadConfig({
      ENCRYPTION_SECRET: 'doctor-test-secret-0123456789abcdefgh',
      DB_PATH: ':memory:',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ALLOWED_ORIGINS: APP_ORIGIN,
    }),
  )
  const res = await fetch(`${relay.url}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"app_id":"doctor"}',
  })
  token = ((await res.json()) as { token: string }).token
  await fetch(`${relay.url}/keys/openai`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: '{"key":"sk-proj-DoctorTest0123456789abcdef"}',
  })
})
afterAll(() => relay.close(1000))

describe('byok doctor', () => {
  it('passes health, version, CORS and the keys round trip against a well-configured relay', async () => {
    const { code, stdout } = await doctor([
      '--relay-url',
      relay.url,
      '--origin',
      APP_ORIGIN,
      '--token',
      token,
    ])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^✓ health {3}ok \(production mode/m)
    expect(stdout).toMatch(/^✓ version {2}byok-relay \d+\.\d+\.\d+/m)
    expect(stdout).toMatch(/^✓ cors {5}https:\/\/app\.example\.com may call the relay$/m)
    expect(stdout).toMatch(/^✓ keys {5}token accepted; keys stored for openai$/m)
    expect(stdout).toMatch(/^all 4 checks passed$/m)
  })

  it('--json prints a report an agent can parse', async () => {
    const { code, stdout } = await doctor(['--relay-url', relay.url, '--origin', APP_ORIGIN, '--json'])
    expect(code).toBe(0)
    const report = JSON.parse(stdout) as Report
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['health', 'pass'],
      ['version', 'pass'],
      ['cors', 'pass'],
    ])
  })

  it('reports the CORS failure for an origin outside ALLOWED_ORIGINS and exits 1', async () => {
    const { code, stdout, stderr } = await doctor([
      '--relay-url',
      relay.url,
      '--origin',
      'https://other.example.com',
      '--json',
    ])
    expect(code).toBe(1)
    const report = JSON.parse(stdout) as Report
    expect(report.ok).toBe(false)
    const cors = report.checks.find((c) => c.id === 'cors')!
    expect(cors.status).toBe('fail')
    expect(cors.detail).toContain('https://other.example.com is blocked by CORS')
    expect(cors.hint).toBe('Add https://other.example.com to ALLOWED_ORIGINS on the relay and restart it.')
    expect(stderr).toBe('byok: 1 check failed: cors')
  })

  it('reports a rejected token with the relay’s code', async () => {
    const { code, stdout } = await doctor(['--relay-url', relay.url, '--token', 'byok_rt_not-a-real-token'])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^✗ keys {5}GET \/keys answered 401 token_invalid$/m)
    expect(stdout).toContain('hint: Register again with POST /users')
  })

  it('reports an unreachable relay', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`
    const { code, stdout, stderr } = await doctor(['--relay-url', url])
    expect(code).toBe(1)
    expect(stdout).toMatch(/^✗ health {3}cannot reach http:\/\/127\.0\.0\.1:\d+: /m)
    expect(stderr).toBe('byok: 2 checks failed: health, version')
  })

  it('refuses a malformed --origin or --relay-url in one line', async () => {
    expect((await doctor(['--relay-url', relay.url, '--origin', 'app.example.com'])).stderr).toMatch(
      /^byok: --origin "app\.example\.com" is not an origin\nhint: /,
    )
    expect((await doctor(['--relay-url', 'ftp://x'])).stderr).toBe(
      'byok: --relay-url "ftp://x" is not an http(s) URL',
    )
  })

  it('the bin exits 1 on a failing check', async () => {
    await withTempDir(async (cwd) => {
      const url = `http://127.0.0.1:${await closedPort()}`
      const { code, stdout, stderr } = await runByok(['doctor', '--relay-url', url], { cwd })
      expect(code).toBe(1)
      expect(stdout).toContain('✗ health')
      expect(stderr).toMatch(/^byok: 2 checks failed: health, version\n$/)
    })
  })
})

describe('byok doctor [dir] (the project check)', () => {
  it('passes a project integrated by byok integrate, and checks its relay in the same run', () =>
    withTempDir(async (dir) => {
      integratedProject(dir)
      const { code, stdout } = await doctor([dir, '--relay-url', relay.url, '--origin', APP_ORIGIN])
      expect(code).toBe(0)
      expect(stdout).toMatch(
        /^✓ project {2}no provider calls or keys in browser code \(\d+ file\(s\), vite\)$/m,
      )
      expect(stdout).toMatch(/^✓ health /m)
      expect(stdout).toMatch(/^✓ cors /m)
      expect(stdout).toMatch(/^all 4 checks passed$/m)
    }))

  it('fails an unintegrated project with file:line for each call and literal key, never printing the key', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'vite-react-openai-sdk'), dir, { recursive: true })
      const literal = ['sk', 'proj', 'DoctorFixture0123456789abcdef'].join('-')
      writeFileSync(join(dir, 'src/ask.ts'), `// a demo\nexport const KEY = '${literal}'\n`)
      const human = await doctor([dir, '--no-relay'])
      expect(human.code).toBe(1)
      expect(human.stdout).toContain(
        '✗ project  2 item(s) left in browser code: provider calls, provider keys or manual work (2 file(s))\n' +
          '    ! .env:1 VITE_OPENAI_API_KEY holds a provider key: rotate it at the provider and delete it (users bring their own)\n' +
          '    ✗ src/ask.ts:2 a provider key literal (sk-proj-…) in code shipped to the browser: rotate it and remove it\n' +
          '    ✗ src/lib/openai.ts:4 direct openai SDK client from the browser (key: env VITE_OPENAI_API_KEY)\n' +
          `  hint: Run byok integrate ${dir} (--dry-run first`,
      )
      expect(human.stderr).toBe('byok: 1 check failed: project')
      const json = await doctor([dir, '--no-relay', '--json'])
      expect(json.code).toBe(1)
      const report = JSON.parse(json.stdout) as Report
      expect(report.relay_url).toBeNull()
      expect(report.checks.map((c) => [c.id, c.status])).toEqual([['project', 'fail']])
      expect(report.checks[0]?.findings?.map((f) => `${f.severity} ${f.file}:${f.line}`)).toEqual([
        'warn .env:1',
        'fail src/ask.ts:2',
        'fail src/lib/openai.ts:4',
      ])
      expect(human.stdout + json.stdout).not.toContain(literal)
      expect(human.stdout + json.stdout).not.toContain('sk-test-fixture')
    }))

  it('a Firebase web config key is not a leak; another Google key literal warns; both pass', () =>
    withTempDir(async (dir) => {
      integratedProject(dir)
      const google = ['AIza', 'SyDoctorFixture0123456789abcdefghij'].join('')
      writeFileSync(
        join(dir, 'src/firebase.ts'),
        `export const firebaseConfig = {\n  apiKey: '${google}',\n  authDomain: 'demo.firebaseapp.com',\n  projectId: 'demo',\n}\n`,
      )
      writeFileSync(join(dir, 'src/maps.ts'), `export const MAPS_KEY = '${google}'\n`)
      const json = await doctor([dir, '--no-relay', '--json'])
      expect(json.code).toBe(0)
      const report = JSON.parse(json.stdout) as Report
      expect(report.checks[0]?.findings?.map((f) => `${f.severity} ${f.file}:${f.line}`)).toEqual([
        'warn src/maps.ts:1',
      ])
      expect(json.stdout).not.toContain(google)
    }))

  it('finds provider use inside .vue, .svelte and .html script blocks at their file lines', () =>
    withTempDir(async (dir) => {
      cpSync(fixturesDir('fixtures', 'svelte-module-script'), dir, { recursive: true })
      cpSync(fixturesDir('fixtures', 'vue-sfc-openai', 'src', 'components'), join(dir, 'src', 'components'), {
        recursive: true,
      })
      cpSync(fixturesDir('fixtures', 'html-inline-scripts', 'index.html'), join(dir, 'index.html'))
      const report = JSON.parse((await doctor([dir, '--no-relay', '--json'])).stdout) as Report
      expect(report.checks[0]?.findings?.map((f) => `${f.file}:${f.line}`)).toEqual([
        'index.html:13',
        'index.html:23',
        'src/components/Chat.vue:11',
        'src/components/Legacy.vue:5',
        'src/lib/Ask.svelte:5',
      ])
    }))

  it('provider keys left only in .env files warn but pass; the relay URL comes from the project', () =>
    withTempDir(async (dir) => {
      integratedProject(dir, { keepEnv: true })
      writeFileSync(join(dir, '.env.local'), `VITE_BYOK_RELAY_URL=${relay.url}\n`)
      const { code, stdout } = await doctor([dir])
      expect(code).toBe(0)
      expect(stdout).toMatch(
        /^! project {2}no provider calls or keys in browser code \(.*\); 1 warning\(s\)$/m,
      )
      expect(stdout).toContain('    ! .env:1 VITE_OPENAI_API_KEY holds a provider key')
      expect(stdout).toMatch(/^✓ health /m)
      expect(stdout).toMatch(/^all 3 checks passed \(1 with warnings\)$/m)
      const json = JSON.parse((await doctor([dir, '--json'])).stdout) as Report
      expect(json.relay_url).toBe(relay.url)
    }))

  it('refuses a directory that does not exist, and a run with nothing to check', async () => {
    const missing = await doctor([join('no', 'such', 'app'), '--relay-url', relay.url])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^byok: no\/such\/app is not a directory\nhint: /)
    expect((await doctor(['--no-relay'])).stderr).toMatch(/^byok: nothing to check\n/)
  })

  it(
    'the bin exits 1 for an unintegrated project and 0 once it is integrated',
    () =>
      withTempDir(async (cwd) => {
        cpSync(fixturesDir('fixtures', 'plain-fetch-gemini'), cwd, { recursive: true })
        const before = await runByok(['doctor', '.', '--no-relay'], { cwd })
        expect(before.code).toBe(1)
        expect(before.stdout).toContain('✗ src/gemini.js:5 direct google fetch from the browser')
        applyIntegration(planIntegration(cwd, { templatesDir: resolveTemplatesDir({}, process.cwd()) }))
        rmSync(join(cwd, '.env.local'))
        const after = await runByok(['doctor', '.', '--no-relay'], { cwd })
        expect(after.stdout).toMatch(/^✓ project /m)
        expect(after.code).toBe(0)
      }),
    60_000,
  )

  it('fails while manual items remain, lists them again after byok integrate, and passes once they are fixed', () =>
    withTempDir(async (dir) => {
      const files: Record<string, string> = {
        'package.json': '{"name":"settings-app","devDependencies":{"vite":"7"}}\n',
        // A store whose key defaults to a provider key env var, read by a fetch to a runtime-chosen endpoint.
        'src/store.js':
          "export const settings = {\n  endpoint: localStorage.getItem('endpoint') || 'https://api.openai.com/v1/chat/completions',\n  apiKey: localStorage.getItem('key') || import.meta.env.VITE_OPENAI_API_KEY,\n}\n",
        'src/chat.js':
          "import { settings } from './store.js'\nconst fallbackKey = import.meta.env.VITE_OPENAI_API_KEY\nexport const ask = (body) =>\n  fetch(settings.endpoint, { method: 'POST', headers: { Authorization: `Bearer ${settings.apiKey || fallbackKey}` }, body })\n",
        // Gemini Live: the relay has no WebSocket proxy, so this stays manual.
        'src/live.js':
          "export const live = (k) =>\n  new WebSocket('wss://generativelanguage.googleapis.com/ws/x.BidiGenerateContent?key=' + k)\n",
      }
      writeFiles(dir, files)
      const failing = [
        'fail src/chat.js:2',
        'fail src/chat.js:4',
        'fail src/live.js:2',
        'fail src/store.js:3',
      ]
      const findings = async () =>
        (JSON.parse((await doctor([dir, '--no-relay', '--json'])).stdout) as Report).checks[0]?.findings?.map(
          (f) => `${f.severity} ${f.file}:${f.line}`,
        )
      expect(await findings()).toEqual(failing)
      const templatesDir = resolveTemplatesDir({}, process.cwd())
      applyIntegration(planIntegration(dir, { templatesDir }))
      // The runtime call now goes through byok but still carries the key; the env default and the WebSocket stay.
      expect(readFileSync(join(dir, 'src/chat.js'), 'utf8')).toContain(
        'byok.fetch(byok.relayUrlIfProvider(settings.endpoint)',
      )
      // (one line down: the import of the instance module came in at the top)
      const kept = ['fail src/chat.js:3', 'fail src/chat.js:5', 'fail src/live.js:2', 'fail src/store.js:3']
      expect(await findings()).toEqual(kept)
      // A second run reports every kept key and direct call again (state comes from the code, not the last run).
      const again = planIntegration(dir, { templatesDir })
      expect(again.writes).toEqual([])
      expect(again.manual.map((m) => `fail ${m.file}:${m.line}`)).toEqual(kept)
      // Fixed by hand: no key default, no credential, the live feature behind the app's own server.
      writeFileSync(
        join(dir, 'src/store.js'),
        files['src/store.js']!.replace(' || import.meta.env.VITE_OPENAI_API_KEY', ''),
      )
      writeFileSync(
        join(dir, 'src/chat.js'),
        readFileSync(join(dir, 'src/chat.js'), 'utf8')
          .replace('const fallbackKey = import.meta.env.VITE_OPENAI_API_KEY\n', '')
          .replace(' headers: { Authorization: `Bearer ${settings.apiKey || fallbackKey}` },', ''),
      )
      writeFileSync(join(dir, 'src/live.js'), "export const live = () => new WebSocket('/api/live')\n")
      expect(await findings()).toEqual([])
      expect((await doctor([dir, '--no-relay'])).code).toBe(0)
    }))

  it('server code in a monorepo is fine: listed as server-side, never a failure', () =>
    withTempDir(async (dir) => {
      const files: Record<string, string> = {
        'package.json': '{"name":"mono","private":true,"workspaces":["apps/*"]}\n',
        'apps/api/package.json': '{"name":"api","dependencies":{"express":"5","openai":"6"}}\n',
        'apps/api/src/index.js':
          "import OpenAI from 'openai'\nconst openai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY })\nexport const chat = (m) => openai.chat.completions.create(m)\n",
        'apps/web/package.json': '{"name":"web","devDependencies":{"vite":"7"}}\n',
        'apps/web/src/main.js': "export const hello = () => fetch('/api/chat')\n",
      }
      writeFiles(dir, files)
      const human = await doctor([dir, '--no-relay'])
      expect(human.stdout).toMatch(
        /^✓ project .*1 server-side provider use\(s\): the key stays on your server, fine\)$/m,
      )
      expect(human.code).toBe(0)
    }))
})
