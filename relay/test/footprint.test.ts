import { execFile } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { TEST_SECRET } from './helpers.js'

const ENV = { ENCRYPTION_SECRET: TEST_SECRET, DB_PATH: ':memory:', LOG_LEVEL: 'silent' }

/**
 * Builds a relay in a fresh process (this one has loaded whatever other tests import) and lists the CommonJS
 * modules it has loaded, as paths inside node_modules (`undici/lib/dispatcher/agent.js`).
 */
async function modulesLoaded(env: Record<string, string>): Promise<string[]> {
  const index = pathToFileURL(fileURLToPath(new URL('../src/index.js', import.meta.url))).href
  const script = `
    import { createRequire } from 'node:module'
    const { buildApp, loadConfig } = await import(${JSON.stringify(index)})
    const app = await buildApp(loadConfig(${JSON.stringify(env)}))
    await app.ready()
    const loaded = Object.keys(createRequire(import.meta.url).cache)
    await app.close()
    console.log(JSON.stringify(loaded))`
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 30_000 },
  )
  return (JSON.parse(stdout.trim().split('\n').at(-1)!) as string[]).flatMap((path) => {
    const inside = path.split('/node_modules/').at(-1)!
    return inside === path ? [] : [inside]
  })
}

// Each of these is memory in every relay process (issue 24: peak RSS ≤ 120 MB) for code a default relay never runs.
describe('what a relay process loads', () => {
  it('only the undici dispatcher it forwards with, not undici’s fetch, WebSocket, cache or mocks', async () => {
    const loaded = modulesLoaded(ENV)
    const undici = (await loaded).filter((path) => path.startsWith('undici/'))
    expect(undici).toContain('undici/lib/dispatcher/agent.js')
    expect(undici).toContain('undici/lib/api/api-request.js')
    expect(undici).not.toContain('undici/index.js')
    expect(undici.filter((path) => /\/(web|mock|cache)\//.test(path))).toEqual([])
  }, 30_000)

  it('prom-client only with METRICS_TOKEN; no Postgres or Redis driver with the SQLite defaults', async () => {
    const [plain, metrics] = await Promise.all([
      modulesLoaded(ENV),
      modulesLoaded({ ...ENV, METRICS_TOKEN: 'm'.repeat(32) }),
    ])
    const packages = (paths: string[]) => new Set(paths.map((path) => path.split('/')[0]))
    expect(packages(plain)).not.toContain('prom-client')
    expect(packages(plain)).not.toContain('pg')
    expect(packages(plain)).not.toContain('ioredis')
    expect(packages(metrics)).toContain('prom-client')
  }, 30_000)
})
