// No Docker engine or systemd runs here: the deployment files are checked statically, against the code they
// must agree with (config defaults, the bin's node flags, the workspace layout).
import { existsSync, readFileSync } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { CONFIG_VARIABLES } from '../src/config.js'
import { loadConfig } from '../src/index.js'

const root = new URL('../../', import.meta.url)
const read = (path: string) => readFileSync(new URL(path, root), 'utf8')
const SECRET = { ENCRYPTION_SECRET: 'deploy-files-test-secret-0123456789abcdef' }

interface Instruction {
  readonly keyword: string
  readonly args: string
  /** Index of the build stage (FROM) the instruction belongs to. */
  readonly stage: number
}

/** Dockerfile → instructions: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  let stage = -1
  return logical.map((line) => {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
    if (keyword.toUpperCase() === 'FROM') stage += 1
    return { keyword: keyword.toUpperCase(), args, stage }
  })
}

/** `KEY=value KEY2="v"` (Dockerfile ENV) → entries. */
function parseEnvInstruction(args: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [, key, value] of args.matchAll(/(\w+)=("[^"]*"|\S*)/g)) out[key!] = value!.replace(/^"|"$/g, '')
  return out
}

/** The `--flags` of relay/src/bin/byok-relay.ts's shebang, which every deployment must pass to node. */
const shebangFlags = read('relay/src/bin/byok-relay.ts')
  .split('\n', 1)[0]!
  .split(/\s+/)
  .filter((part) => part.startsWith('--'))

const defaults = loadConfig(SECRET)

describe('Dockerfile', () => {
  const instructions = parseDockerfile(read('Dockerfile'))
  const froms = instructions.filter((i) => i.keyword === 'FROM')
  const lastStage = froms.length - 1
  const final = instructions.filter((i) => i.stage === lastStage)
  const index = (keyword: string) => final.findIndex((i) => i.keyword === keyword)

  it('is multi-stage, every stage on a pinned node:20 bookworm-slim image', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2)
    for (const from of froms) {
      expect(from.args).toMatch(/^node:20\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?( AS \w+)?$/i)
    }
  })

  it('runs as a non-root user, set before CMD', () => {
    const user = final.filter((i) => i.keyword === 'USER').at(-1)
    expect(user).toBeDefined()
    expect(user!.args).not.toMatch(/^(root|0)(:|$)/)
    expect(index('USER')).toBeLessThan(index('CMD'))
  })

  it('starts the byok-relay bin with the flags of its shebang', () => {
    const cmd = JSON.parse(final.find((i) => i.keyword === 'CMD')!.args) as string[]
    expect(shebangFlags).toEqual(['--max-old-space-size=512', '--max-semi-space-size=4'])
    expect(cmd).toEqual(['node', ...shebangFlags, 'relay/dist/bin/byok-relay.js'])
    expect(read('relay/package.json')).toContain('"byok-relay": "./dist/bin/byok-relay.js"')
  })

  it('gives `byok start` (the byok bin) the same heap flags as the byok-relay bin', () => {
    const byokShebang = read('cli/src/bin/byok.ts').split('\n', 1)[0]!
    expect(byokShebang.split(/\s+/).filter((part) => part.startsWith('--'))).toEqual(shebangFlags)
  })

  it('has a HEALTHCHECK on /health using node fetch (no curl in the slim image)', () => {
    const health = final.find((i) => i.keyword === 'HEALTHCHECK')
    expect(health?.args).toMatch(/CMD \["node", "-e", ".*fetch\(.*\/health.*"\]/)
  })

  it('keeps the database on the /data volume and exposes the default PORT', () => {
    const env = Object.assign(
      {},
      ...final.filter((i) => i.keyword === 'ENV').map((i) => parseEnvInstruction(i.args)),
    )
    expect(env.DB_PATH).toBe('/data/relay.db')
    expect(Number(env.PORT)).toBe(defaults.server.port)
    expect(final.find((i) => i.keyword === 'VOLUME')?.args).toMatch(/"\/data"/)
    expect(final.find((i) => i.keyword === 'EXPOSE')?.args).toBe(String(defaults.server.port))
  })

  it('puts no secret in ENV or ARG and fetches nothing with ADD', () => {
    for (const i of instructions.filter((x) => x.keyword === 'ENV' || x.keyword === 'ARG')) {
      expect(i.args).not.toMatch(/SECRET|TOKEN|PASSWORD|API_KEY/i)
    }
    for (const i of instructions.filter((x) => x.keyword === 'ADD')) expect(i.args).not.toMatch(/https?:\/\//)
  })

  it('copies the manifest of every workspace package, so the frozen-lockfile install matches', () => {
    const packages = (parseYaml(read('pnpm-workspace.yaml')) as { packages: string[] }).packages
    const copied = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
    for (const pkg of packages) {
      expect(copied.some((c) => c.args.startsWith(`${pkg}/package.json `))).toBe(true)
    }
    for (const c of copied) {
      for (const source of c.args.split(/\s+/).slice(0, -1)) {
        expect(existsSync(new URL(source, root)), source).toBe(true)
      }
    }
  })

  it('.dockerignore keeps secrets, databases and build output out of the context', () => {
    const ignored = read('.dockerignore').split('\n')
    for (const pattern of ['.env', '.env.*', '!.env.example', '**/node_modules', '**/dist', '*.db', '.git']) {
      expect(ignored).toContain(pattern)
    }
  })
})

describe('deploy/byok.service', () => {
  const text = read('deploy/byok.service')
  const service = new Map<string, string[]>()
  let section = ''
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line.trim())
    if (header) section = header[1]!
    const entry = /^(\w+)=(.*)$/.exec(line.trim())
    if (entry && section === 'Service') service.set(entry[1]!, [...(service.get(entry[1]!) ?? []), entry[2]!])
  }
  const value = (key: string) => service.get(key)?.at(-1)

  it('has the hardening options', () => {
    expect(value('NoNewPrivileges')).toBe('yes')
    expect(value('ProtectSystem')).toBe('strict')
    expect(value('ProtectHome')).toBe('yes')
    expect(value('PrivateTmp')).toBe('yes')
    expect(value('DynamicUser') === 'yes' || value('User') === 'byok').toBe(true)
    // V8's JIT needs writable+executable memory.
    expect(value('MemoryDenyWriteExecute')).toBeUndefined()
  })

  it('can write only the data directory, which holds DB_PATH', () => {
    expect(value('ReadWritePaths')).toBe('/var/lib/byok')
    expect(value('Environment')).toContain('DB_PATH=/var/lib/byok/relay.db')
    expect(value('StateDirectory')).toBe('byok')
  })

  it('reads secrets from an EnvironmentFile, restarts on failure, and runs the bin with its shebang flags', () => {
    expect(value('EnvironmentFile')).toMatch(/^\/etc\/byok\/relay\.env$/)
    expect(value('Restart')).toBe('on-failure')
    expect(value('ExecStart')).toBe(
      `/usr/bin/node ${shebangFlags.join(' ')} /opt/byok/relay/dist/bin/byok-relay.js`,
    )
    expect(text).toMatch(/^WantedBy=multi-user\.target$/m)
  })
})

describe('.env.example', () => {
  const text = read('.env.example')
  const assignments = [...text.matchAll(/^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/gm)]
  const env = Object.fromEntries(assignments.filter((m) => !m[1]).map((m) => [m[2]!, m[3]!]))

  it.each(CONFIG_VARIABLES)('lists %s', (variable) => {
    expect(assignments.map((m) => m[2])).toContain(variable)
  })

  it('names no variable the relay does not read', () => {
    for (const m of assignments) {
      if (m[1]) continue
      expect(CONFIG_VARIABLES).toContain(m[2])
    }
  })

  it('gives every variable its real default (the file loads to the same config as an empty environment)', () => {
    expect(loadConfig({ ...env, ...SECRET })).toEqual(defaults)
  })

  it('carries no secret value', () => {
    for (const [key, value] of Object.entries(env)) {
      if (/SECRET|TOKEN/.test(key) && !/EXPIRY/.test(key)) expect(value, key).toBe('')
    }
  })
})

describe('docs/deploy.md', () => {
  const doc = read('docs/deploy.md')
  it.each([
    'proxy_buffering off',
    'ALLOWED_ORIGINS',
    'APP_SECRET',
    'METRICS_TOKEN',
    'TOKEN_HMAC_SECRET',
    'ENCRYPTION_SECRET_PREVIOUS',
    'byok backup',
    'byok restore',
    'TRUST_PROXY',
    'statically',
  ])('covers %s', (topic) => {
    expect(doc).toContain(topic)
  })
})

describe('deploy/docker-compose.yml', () => {
  interface Service {
    image?: string
    build?: { context: string; dockerfile: string }
    environment?: Record<string, string>
    depends_on?: Record<string, { condition: string }> | string[]
    healthcheck?: { test: string[] }
    ports?: string[]
    volumes?: string[]
    command?: string[]
  }
  const compose = parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, Service>
    volumes: Record<string, unknown>
  }
  const { services } = compose
  const relays = Object.entries(services).filter(([, s]) => s.build !== undefined)

  it('runs two relay instances from the repository Dockerfile, sharing Postgres and Redis', () => {
    expect(relays.map(([name]) => name)).toEqual(['relay-a', 'relay-b'])
    for (const [, relay] of relays) {
      expect(existsSync(new URL(`deploy/${relay.build!.context}/${relay.build!.dockerfile}`, root))).toBe(
        true,
      )
      const env = relay.environment!
      expect(env.DATABASE_URL).toMatch(
        /^postgres:\/\/byok:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/byok$/,
      )
      expect(loadConfig({ ...SECRET, REDIS_URL: env.REDIS_URL }).redis.url).toBe('redis://redis:6379')
      expect(env.TRUST_PROXY).toBe('1')
      // Secrets come from the operator's environment; compose refuses to start without them.
      expect(env.ENCRYPTION_SECRET).toMatch(/^\$\{ENCRYPTION_SECRET:\?/)
      expect(relay.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
      })
      expect(relay.ports).toBeUndefined() // reachable only through the proxy
    }
  })

  it('health-checks Postgres and Redis, keeps Postgres on a volume and Redis without persistence', () => {
    expect(services.postgres?.image).toMatch(/^postgres:\d+/)
    expect(services.postgres?.healthcheck?.test).toContain('pg_isready')
    expect(services.postgres?.volumes?.[0]).toMatch(/^postgres-data:/)
    expect(compose.volumes).toHaveProperty('postgres-data')
    expect(services.redis?.image).toMatch(/^redis:\d+/)
    expect(services.redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping'])
    expect(services.redis?.command).toEqual(expect.arrayContaining(['--save', '', '--appendonly', 'no']))
  })

  it('puts Caddy in front, balancing both instances with health checks and unbuffered streams', () => {
    const proxy = services.proxy!
    expect(proxy.image).toMatch(/^caddy:2/)
    expect(proxy.ports).toEqual(['80:80', '443:443'])
    expect(proxy.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro')
    const caddyfile = read('deploy/Caddyfile')
    expect(caddyfile).toMatch(/reverse_proxy relay-a:3000 relay-b:3000 \{/)
    expect(caddyfile).toMatch(/^\s*health_uri \/health$/m)
    expect(caddyfile).toMatch(/^\s*flush_interval -1$/m)
  })
})

describe('one-click host files', () => {
  it('render.yaml: a Docker web service with a disk at DB_PATH’s directory, health check and a generated secret', () => {
    const blueprint = parseYaml(read('render.yaml')) as {
      services: {
        type: string
        name: string
        runtime: string
        dockerfilePath: string
        plan: string
        healthCheckPath: string
        disk: { name: string; mountPath: string; sizeGB: number }
        envVars: { key: string; generateValue?: boolean; value?: string; sync?: boolean }[]
      }[]
    }
    const [service] = blueprint.services
    expect(service).toMatchObject({ type: 'web', runtime: 'docker', healthCheckPath: '/health' })
    expect(existsSync(new URL(service!.dockerfilePath, root))).toBe(true)
    expect(service!.plan).not.toBe('free') // disks need a paid plan
    expect(service!.disk.mountPath).toBe('/data') // the image's DB_PATH is /data/relay.db
    expect(service!.disk.sizeGB).toBeGreaterThanOrEqual(1)
    const vars = new Map(service!.envVars.map((v) => [v.key, v]))
    expect(vars.get('ENCRYPTION_SECRET')?.generateValue).toBe(true)
    for (const v of service!.envVars) expect(CONFIG_VARIABLES).toContain(v.key)
  })

  it('fly.toml: the Dockerfile, a volume at /data, the relay port, a /health check, no auto-stop', () => {
    const fly = parseToml(read('fly.toml')) as {
      app: string
      build: { dockerfile: string }
      env: Record<string, string>
      mounts: { source: string; destination: string }[]
      http_service: {
        internal_port: number
        force_https: boolean
        auto_stop_machines: string
        min_machines_running: number
        checks: { path: string; method: string }[]
      }
    }
    expect(fly.app).toMatch(/^[a-z0-9-]+$/)
    expect(existsSync(new URL(fly.build.dockerfile, root))).toBe(true)
    const config = loadConfig({ ...SECRET, ...fly.env })
    expect(fly.http_service.internal_port).toBe(config.server.port)
    expect(config.store.path.startsWith(`${fly.mounts[0]!.destination}/`)).toBe(true)
    expect(fly.http_service.force_https).toBe(true)
    expect(fly.http_service.auto_stop_machines).toBe('off')
    expect(fly.http_service.min_machines_running).toBeGreaterThanOrEqual(1)
    expect(fly.http_service.checks[0]).toMatchObject({ method: 'GET', path: '/health' })
    expect(Object.keys(fly.env).filter((k) => /SECRET|TOKEN/.test(k))).toEqual([]) // `fly secrets set` instead
  })

  it('railway.json: the Dockerfile builder, a /health check, restart on failure', () => {
    const railway = JSON.parse(read('railway.json')) as {
      $schema: string
      build: { builder: string; dockerfilePath: string }
      deploy: { healthcheckPath: string; restartPolicyType: string; numReplicas: number }
    }
    expect(railway.$schema).toMatch(/railway\.schema\.json$/)
    expect(railway.build.builder).toBe('DOCKERFILE')
    expect(existsSync(new URL(railway.build.dockerfilePath, root))).toBe(true)
    expect(railway.deploy).toMatchObject({ healthcheckPath: '/health', restartPolicyType: 'ON_FAILURE' })
    expect(railway.deploy.numReplicas).toBe(1) // a volume-backed SQLite relay is one replica
  })
})
