import { existsSync, rmSync, statSync } from 'node:fs'
import {
  type DailyUsageRow,
  describePostgresUrl,
  estimateCostUsd,
  openPostgresStore,
  openSqliteStore,
  PRICES_AS_OF,
  type Store,
  StoreUnavailableError,
} from '@byok/relay'
import { defineCommand } from 'citty'
import { databaseArgs, liveReason } from '../database-file.js'
import { CliError } from '../errors.js'
import type { CliIo } from '../io.js'
import { resolveStore } from '../store-target.js'

const DAY_MS = 86_400_000

/** One app's totals for the period. Counts and tokens only: the request log holds no prompts and no keys. */
interface AppUsage {
  app_id: string
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  /** Sum over the models the price table knows; calls to other models are counted in `unpriced_requests`. */
  estimated_cost_usd: number
  unpriced_requests: number
}

function parseDay(value: string, flag: string): number {
  const at = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN
  if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== value) {
    throw new CliError(`--${flag} must be a date as YYYY-MM-DD (got "${value}")`)
  }
  return at
}

const day = (at: number) => new Date(at).toISOString().slice(0, 10)
const roundUsd = (usd: number) => Math.round(usd * 1_000_000) / 1_000_000
/** The counters of an app (or of the total) before any row is added. */
const noUsage = (): Omit<AppUsage, 'app_id'> => ({
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  estimated_cost_usd: 0,
  unpriced_requests: 0,
})

/** Per-app totals from the per-day rows, busiest app first. */
function summariseByApp(rows: readonly DailyUsageRow[]): AppUsage[] {
  const apps = new Map<string, AppUsage>()
  for (const row of rows) {
    let app = apps.get(row.appId)
    if (!app) {
      app = { app_id: row.appId, ...noUsage() }
      apps.set(row.appId, app)
    }
    app.requests += row.requests
    app.errors += row.errors
    app.input_tokens += row.inputTokens
    app.output_tokens += row.outputTokens
    const cost = estimateCostUsd(row.provider, row.model, row.inputTokens, row.outputTokens)
    if (cost === null) app.unpriced_requests += row.requests
    else app.estimated_cost_usd = roundUsd(app.estimated_cost_usd + cost)
  }
  return [...apps.values()].sort((a, b) => b.requests - a.requests || a.app_id.localeCompare(b.app_id))
}

function printTable(io: CliIo, apps: readonly AppUsage[]): void {
  const header = ['app', 'requests', 'errors', 'input tokens', 'output tokens', 'est. cost (USD)', 'unpriced']
  const cells = apps.map((a) => [
    a.app_id,
    String(a.requests),
    String(a.errors),
    String(a.input_tokens),
    String(a.output_tokens),
    a.estimated_cost_usd.toFixed(6),
    String(a.unpriced_requests),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  // The app id left-aligned, numbers right-aligned.
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ')
  io.out(line(header))
  for (const c of cells) io.out(line(c))
}

/** The per-day rows from a SQLite database, through a read-only connection. */
async function sqliteUsage(dbPath: string, from: number, to: number): Promise<DailyUsageRow[]> {
  if (!existsSync(dbPath)) {
    throw new CliError(`no database at ${dbPath}`, {
      code: 'db_missing',
      hint: 'Pass --db-path or set DB_PATH to the relay database.',
    })
  }
  const wasLive = liveReason(dbPath) !== undefined
  try {
    const store = openSqliteStore(dbPath, { readOnly: true })
    try {
      return await store.dailyUsage({ from, to, limit: Number.MAX_SAFE_INTEGER })
    } finally {
      await store.close()
    }
  } catch (error) {
    throw new CliError(`cannot read ${dbPath}: ${(error as Error).message}`, { cause: error })
  } finally {
    // As in `byok backup`: a read-only connection leaves empty -wal/-shm files behind on a stopped database.
    const wal = `${dbPath}-wal`
    if (!wasLive && existsSync(wal) && statSync(wal).size === 0) {
      for (const suffix of ['-wal', '-shm']) rmSync(dbPath + suffix, { force: true })
    }
  }
}

/** The per-day rows from Postgres (DATABASE_URL), through the relay's store on one connection. */
async function postgresUsage(url: string, from: number, to: number): Promise<DailyUsageRow[]> {
  let store: Store
  try {
    store = await openPostgresStore(url, { maxConnections: 1 })
  } catch (error) {
    if (error instanceof StoreUnavailableError) {
      throw new CliError(error.message, { code: 'store_unavailable', cause: error })
    }
    throw new CliError(`cannot read Postgres at ${describePostgresUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    })
  }
  try {
    return await store.dailyUsage({ from, to, limit: Number.MAX_SAFE_INTEGER })
  } finally {
    await store.close()
  }
}

export function createUsageCommand(io: CliIo) {
  return defineCommand({
    meta: {
      name: 'usage',
      description:
        'Per-app usage from the relay database (SQLite, or Postgres with DATABASE_URL) for a period (requests, errors, tokens in/out, estimated cost). Only reads; prints no keys, tokens or prompts.',
    },
    args: {
      from: { type: 'string', description: 'First day, YYYY-MM-DD (UTC; default 29 days before --to)' },
      to: { type: 'string', description: 'Last day, inclusive, YYYY-MM-DD (UTC; default today)' },
      app: { type: 'string', description: 'Only this app id' },
      json: { type: 'boolean', description: 'Print the summary as JSON', default: false },
      'db-path': databaseArgs['db-path'],
      'env-file': databaseArgs['env-file'],
    },
    async run({ args }) {
      const to = args.to ? parseDay(args.to, 'to') : Math.floor(Date.now() / DAY_MS) * DAY_MS
      const from = args.from ? parseDay(args.from, 'from') : to - 29 * DAY_MS
      if (from > to) throw new CliError('--from must not be after --to')
      const store = resolveStore(io, args)
      const rows =
        store.kind === 'postgres'
          ? await postgresUsage(store.url, from, to + DAY_MS)
          : await sqliteUsage(store.path, from, to + DAY_MS)
      const apps = summariseByApp(args.app ? rows.filter((r) => r.appId === args.app) : rows)
      const totals = apps.reduce(
        (t, a) => ({
          requests: t.requests + a.requests,
          errors: t.errors + a.errors,
          input_tokens: t.input_tokens + a.input_tokens,
          output_tokens: t.output_tokens + a.output_tokens,
          estimated_cost_usd: roundUsd(t.estimated_cost_usd + a.estimated_cost_usd),
          unpriced_requests: t.unpriced_requests + a.unpriced_requests,
        }),
        noUsage(),
      )
      const period = { from: day(from), to: day(to), prices_as_of: PRICES_AS_OF }
      if (args.json) {
        io.out(JSON.stringify({ ...period, apps, totals }, null, 2))
        return
      }
      io.out(`usage ${period.from} .. ${period.to} (UTC), cost estimated with prices as of ${PRICES_AS_OF}`)
      if (apps.length === 0) {
        io.out('no relay calls in this period')
        return
      }
      printTable(io, [...apps, { app_id: 'total', ...totals }])
    },
  })
}
