// `pnpm bench`: relay overhead against a direct call and a minimal Node pass-through proxy, all on loopback.
// Every target runs in its own process; the load generator runs here. Figures are from one run.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type LoadResult, runLoad } from './load.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const TSX = import.meta.resolve('tsx')
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000)
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000)
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '1,16,64').split(',').map(Number)
/**
 * `pnpm bench --budget`: the bench user gets a monthly budget before the run (caps far above what the run spends),
 * so every relay call reserves and settles it; compare the ratios with a run without the flag.
 */
const WITH_BUDGET = process.argv.includes('--budget')

function start(script: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(join(here, script), args, {
    execArgv: ['--conditions=source', '--import', TSX],
    stdio: 'inherit',
  })
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
}

/**
 * The relay exactly as operators run it: the compiled `byok-relay` bin, with the node flags of its own shebang,
 * configured only through the environment. BENCH_RELAY_NODE_ARGS adds flags (e.g. `--cpu-prof`).
 */
function startRelayBin(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const bin = join(here, '../../relay/dist/bin/byok-relay.js')
  const shebang = readFileSync(bin, 'utf8').split('\n', 1)[0]!
  const shebangFlags = shebang.split(/\s+/).filter((part) => part.startsWith('--'))
  const extra = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean)
  const child = spawn(process.execPath, [...shebangFlags, ...extra, bin], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(out)
      if (match) resolve({ child, port: Number(match[1]) })
    })
    child.once('exit', (code) => reject(new Error(`byok-relay exited with ${code}: ${out}`)))
  })
}

/** User + system CPU time the process has used so far, in ms (from /proc, so it includes native work). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return (ticks * 1000) / 100
}

function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return kb / 1024
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

/** A budget on every counter, so the relay reserves and settles requests and tokens on each call. */
async function setBenchBudget(relayOrigin: string, token: string): Promise<void> {
  const response = await fetch(`${relayOrigin}/budgets`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: JSON.stringify({
      period: 'month',
      max_requests: 1_000_000_000,
      max_input_tokens: 1_000_000_000_000,
      max_output_tokens: 1_000_000_000_000,
    }),
  })
  if (!response.ok) throw new Error(`setting the bench budget failed: ${response.status}`)
}

// The relay runs compiled, as in production: a TypeScript loader thread would distort both CPU and memory.
process.stderr.write('building @byok/relay …\n')
const tsc = join(here, '../../node_modules/typescript/bin/tsc')
execFileSync(process.execPath, [tsc, '-p', join(here, '../../relay/tsconfig.build.json')], {
  stdio: 'inherit',
})

const dataDir = mkdtempSync(join(tmpdir(), 'byok-bench-'))
const upstream = await start('mock-upstream.ts', [])
const proxy = await start('minimal-proxy.ts', [String(upstream.port)])
const relay = await startRelayBin({
  ENCRYPTION_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
  DB_PATH: join(dataDir, 'relay.db'),
  HOST: '127.0.0.1',
  PORT: '0',
  OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}`,
  // Limits off: the bench measures throughput, not the limiter's refusal speed.
  RATE_LIMIT_GLOBAL_PER_MIN: '0',
  RATE_LIMIT_RELAY_PER_MIN: '0',
  RATE_LIMIT_REGISTER_PER_HOUR: '0',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
})

try {
  const relayOrigin = `http://127.0.0.1:${relay.port}`
  const { token } = (await (
    await fetch(`${relayOrigin}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ app_id: 'bench' }),
    })
  ).json()) as { token: string }
  const stored = await fetch(`${relayOrigin}/keys/openai`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-relay-token': token },
    body: JSON.stringify({ key: 'sk-bench-0123456789abcdefghijklmnop' }),
  })
  if (!stored.ok) throw new Error(`storing the bench key failed: ${stored.status}`)
  if (WITH_BUDGET) await setBenchBudget(relayOrigin, token)

  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] })
  const targets = {
    direct: { origin: `http://127.0.0.1:${upstream.port}`, prefix: '', headers: {} },
    minimal: { origin: `http://127.0.0.1:${proxy.port}`, prefix: '/relay/openai', headers: {} },
    relay: { origin: relayOrigin, prefix: '/relay/openai', headers: { 'x-relay-token': token } },
  } as const
  type Target = keyof typeof targets
  const results: Record<string, LoadResult> = {}
  const cpu: Record<string, number> = {}
  const rssByRun: Record<string, number> = {}

  for (const mode of ['json', 'stream'] as const) {
    for (const c of CONCURRENCY) {
      for (const name of Object.keys(targets) as Target[]) {
        const t = targets[name]
        const path = `${t.prefix}/v1/chat/completions${mode === 'stream' ? '?stream' : ''}`
        const pid =
          name === 'relay' ? relay.child.pid : name === 'minimal' ? proxy.child.pid : upstream.child.pid
        const cpuBefore = cpuMs(pid!)
        let maxRss = 0
        const sampler = setInterval(() => {
          maxRss = Math.max(maxRss, rssMb(relay.child.pid!))
        }, 25)
        const r = await runLoad({
          origin: t.origin,
          path,
          headers: { 'content-type': 'application/json', ...t.headers },
          body,
          concurrency: c,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
        })
        clearInterval(sampler)
        if (name === 'relay') rssByRun[`${mode}/${c}`] = maxRss
        results[`${mode}/${c}/${name}`] = r
        // CPU per request of the target process itself (all requests, warm-up included): unlike req/s, it
        // hardly depends on what else the machine is doing.
        cpu[`${mode}/${c}/${name}`] = ((cpuMs(pid!) - cpuBefore) * 1000) / r.sent
        process.stderr.write(
          `  ${mode} c=${c} ${name}: ${r.rps.toFixed(0)} req/s${r.errors ? ` (${r.errors} errors)` : ''}\n`,
        )
      }
    }
  }

  const rss = peakRssMb(relay.child.pid!)
  const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—')
  const lines = [
    '| mode | c | target | req/s | p50 ms | p99 ms | TTFB p50 ms | req/s vs direct | req/s vs minimal | TTFB Δ vs minimal (ms) | CPU µs/req |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const mode of ['json', 'stream'] as const) {
    for (const c of CONCURRENCY) {
      const direct = results[`${mode}/${c}/direct`]!
      const minimal = results[`${mode}/${c}/minimal`]!
      for (const name of ['direct', 'minimal', 'relay'] as const) {
        const r = results[`${mode}/${c}/${name}`]!
        lines.push(
          `| ${mode} | ${c} | ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.ttfbP50)} | ${fmt(r.rps / direct.rps)}x | ${fmt(r.rps / minimal.rps)}x | ${fmt(r.ttfbP50 - minimal.ttfbP50)} | ${fmt(cpu[`${mode}/${c}/${name}`]!, 0)} |`,
        )
      }
    }
  }
  console.log(
    `\nbyok relay benchmark — ${DURATION_MS} ms per run after ${WARMUP_MS} ms warm-up, loopback, 2 cores${WITH_BUDGET ? ', with a budget set' : ''}\n`,
  )
  console.log(lines.join('\n'))
  console.log(`\nrelay peak RSS (VmHWM over the whole run): ${rss.toFixed(1)} MB`)
  console.log(
    `relay RSS peak per run (sampled every 25 ms): ${Object.entries(rssByRun)
      .map(([k, v]) => `${k} ${v.toFixed(0)} MB`)
      .join(', ')}`,
  )

  // The floor from the proxy issue, evaluated on this run (only for the concurrencies that ran).
  const ratio = (key: string) => results[`${key}/relay`]!.rps / results[`${key}/minimal`]!.rps
  const ttfbDelta = (key: string) => results[`${key}/relay`]!.ttfbP50 - results[`${key}/minimal`]!.ttfbP50
  const floors: [key: string, check: () => [string, boolean]][] = [
    [
      'json/16',
      () => [`json c=16 req/s ≥ 0.5x minimal (${fmt(ratio('json/16'))}x)`, ratio('json/16') >= 0.5],
    ],
    [
      'json/64',
      () => [`json c=64 req/s ≥ 0.5x minimal (${fmt(ratio('json/64'))}x)`, ratio('json/64') >= 0.5],
    ],
    [
      'stream/16',
      () => [`stream c=16 req/s ≥ 0.5x minimal (${fmt(ratio('stream/16'))}x)`, ratio('stream/16') >= 0.5],
    ],
    [
      'json/1',
      () => [
        `json c=1 TTFB p50 within 2 ms of minimal (${fmt(ttfbDelta('json/1'))} ms)`,
        ttfbDelta('json/1') <= 2,
      ],
    ],
    [
      'stream/1',
      () => [
        `stream c=1 TTFB p50 within 2 ms of minimal (${fmt(ttfbDelta('stream/1'))} ms)`,
        ttfbDelta('stream/1') <= 2,
      ],
    ],
  ]
  const checks = floors.filter(([key]) => results[`${key}/relay`] !== undefined).map(([, check]) => check())
  checks.push([`peak RSS ≤ 150 MB (${rss.toFixed(1)} MB)`, rss <= 150])
  console.log('')
  for (const [label, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`)
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
} finally {
  for (const p of [relay, proxy, upstream]) p.child.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
