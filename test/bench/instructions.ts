// `pnpm bench:instructions`: the instructions each target executes per relay call, counted by valgrind's
// cachegrind. Unlike req/s and CPU time these counts do not depend on what else the machine is doing (issue 24:
// identical req/s runs differed by ±0.05 in their ratios on a busy host), so they show whether a change made the
// relay do less work. Each target runs twice under cachegrind, for a short and a longer fixed number of calls;
// the difference divided by the difference in calls is the count per call, without start-up and most of the
// JIT warm-up. See docs/performance.md.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCount } from './load.js'
import { BODY, pathFor } from './scenarios.js'
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
  type Wrapper,
} from './targets.js'

const USAGE = `usage: pnpm bench:instructions [--sse]

Counts the user-space instructions per JSON relay call (and per 20-chunk SSE stream with --sse) of the minimal
proxy, byok-relay and \`byok start\`, under valgrind (cachegrind), at c=16. About 2 minutes per target and
scenario. Needs valgrind (Debian/Ubuntu: sudo apt-get install valgrind).

Environment: BENCH_TARGETS (default byok-relay,byok start), BENCH_INSTR_CALLS (default 2000,6000: the two runs).`

if (process.argv.includes('--help')) {
  console.log(USAGE)
  process.exit(0)
}
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' })
} catch {
  console.error('valgrind is not installed (Debian/Ubuntu: sudo apt-get install valgrind)\n')
  console.error(USAGE)
  process.exit(1)
}

const ENTRIES = (process.env.BENCH_TARGETS ?? 'byok-relay,byok start').split(',') as EntryPoint[]
const [SHORT, LONG] = (process.env.BENCH_INSTR_CALLS ?? '2000,6000').split(',').map(Number) as [
  number,
  number,
]
if (!(SHORT > 0 && LONG > SHORT)) {
  console.error('BENCH_INSTR_CALLS must be two call counts, the second larger (e.g. 2000,6000)')
  process.exit(1)
}
const CONCURRENCY = 16
const SCENARIOS = process.argv.includes('--sse') ? (['json', 'stream'] as const) : (['json'] as const)
/** Under valgrind a relay runs some 30–50× slower; closing it (and writing the counts) takes a while. */
const EXIT_GRACE_MS = 120_000

const pin = CORES !== null && hasTaskset()
const targetCore = pin ? CORES!.target : undefined
const loadCore = pin ? CORES!.load : undefined

build(ENTRIES)
if (loadCore !== undefined) pinSelf(loadCore)
const dataDir = mkdtempSync(join(tmpdir(), 'byok-bench-instr-'))

/** Instructions of the whole process (every thread: JIT compilers and GC helpers too), from cachegrind's output. */
function instructionsIn(file: string): number {
  const summary = /^summary:\s+(\d+)/m.exec(readFileSync(file, 'utf8'))
  if (!summary) throw new Error(`no instruction count in ${file}`)
  return Number(summary[1])
}

let run = 0
async function countOnce(
  target: 'minimal' | EntryPoint,
  upstreamPort: number,
  calls: number,
  mode: 'json' | 'stream',
) {
  const file = join(dataDir, `cachegrind.${++run}.out`)
  const wrap: Wrapper = ['valgrind', '--tool=cachegrind', '--cache-sim=no', `--cachegrind-out-file=${file}`]
  const proc =
    target === 'minimal'
      ? await startHelper('minimal-proxy.ts', [String(upstreamPort)], targetCore, { wrap })
      : await startEntryPoint(target, benchRelayEnv(target, upstreamPort, join(dataDir, String(run))), {
          cwd: dataDir,
          core: targetCore,
          wrap,
        })
  try {
    const origin = `http://127.0.0.1:${proc.port}`
    const token = target === 'minimal' ? undefined : await enrol(origin)
    const result = await runCount({
      origin,
      path: pathFor(mode),
      body: BODY,
      ...(token ? { token } : {}),
      concurrency: CONCURRENCY,
      count: calls,
    })
    if (result.errors > 0) throw new Error(`${target}: ${result.errors} of ${calls} calls failed`)
  } finally {
    // Under valgrind closing is slow, and cachegrind writes its counts only once the process has exited.
    await stop(proc, EXIT_GRACE_MS)
  }
  return instructionsIn(file)
}

let upstream: Running | undefined
try {
  upstream = await startHelper('mock-upstream.ts', [], loadCore)
  const rows: string[] = []
  for (const mode of SCENARIOS) {
    let minimal = Number.NaN
    for (const target of ['minimal', ...ENTRIES] as const) {
      process.stderr.write(`  ${mode} ${target}: ${SHORT} then ${LONG} calls under cachegrind …\n`)
      const short = await countOnce(target, upstream.port, SHORT, mode)
      const long = await countOnce(target, upstream.port, LONG, mode)
      const perCall = (long - short) / (LONG - SHORT)
      if (target === 'minimal') minimal = perCall
      rows.push(
        `| ${mode} | ${target} | ${Math.round(perCall).toLocaleString('en-US')} | ${(perCall / minimal).toFixed(2)}× |`,
      )
    }
  }
  console.log(
    `\nuser-space instructions per call (cachegrind, every thread of the target; calls ${LONG} − ${SHORT}, ` +
      `c=${CONCURRENCY}${pin ? `, target on CPU ${targetCore}` : ''}):\n`,
  )
  console.log(
    ['| mode | target | instructions per call | × minimal |', '|---|---|---:|---:|', ...rows].join('\n'),
  )
  console.log(
    '\nKernel work (socket reads and writes) is not counted, and is about the same for every target, so the CPU-time ' +
      'ratio of `pnpm bench` is usually a little lower than this one.',
  )
} catch (error) {
  console.error(error)
  process.exitCode = 1
} finally {
  await stop(upstream)
  rmSync(dataDir, { recursive: true, force: true })
}
