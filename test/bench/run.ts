// `pnpm bench`: relay overhead against a direct call and a minimal Node pass-through proxy, all on loopback.
// Every target runs in its own process; the load generator runs here. Figures are from one run.
import { type ChildProcess, execFileSync, fork } from 'node:child_process'
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

function start(
  script: string,
  args: string[],
  extraNodeArgs: string[] = [],
): Promise<{ child: ChildProcess; port: number }> {
  const loader = script.endsWith('.ts') ? ['--conditions=source', '--import', TSX] : []
  const execArgv = [...loader, ...extraNodeArgs]
  const child = fork(join(here, script), args, { execArgv, stdio: 'inherit' })
  return new Promise((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }))
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)))
  })
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

// The relay runs compiled, as in production: a TypeScript loader thread would distort both CPU and memory.
process.stderr.write('building @byok/relay …\n')
execFileSync(
  process.execPath,
  [join(here, '../../node_modules/typescript/bin/tsc'), '-p', join(here, '../../relay/tsconfig.build.json')],
  {
    stdio: 'inherit',
  },
)

const dataDir = mkdtempSync(join(tmpdir(), 'byok-bench-'))
const upstream = await start('mock-upstream.ts', [])
const proxy = await start('minimal-proxy.ts', [String(upstream.port)])
// BENCH_RELAY_NODE_ARGS="--cpu-prof" profiles the relay process.
const relayNodeArgs = (process.env.BENCH_RELAY_NODE_ARGS ?? '').split(' ').filter(Boolean)
const relay = await start(
  'relay-process.mjs',
  [String(upstream.port), join(dataDir, 'relay.db')],
  relayNodeArgs,
)

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

  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] })
  const targets = {
    direct: { origin: `http://127.0.0.1:${upstream.port}`, prefix: '', headers: {} },
    minimal: { origin: `http://127.0.0.1:${proxy.port}`, prefix: '/relay/openai', headers: {} },
    relay: { origin: relayOrigin, prefix: '/relay/openai', headers: { 'x-relay-token': token } },
  } as const
  type Target = keyof typeof targets
  const results: Record<string, LoadResult> = {}

  for (const mode of ['json', 'stream'] as const) {
    for (const c of CONCURRENCY) {
      for (const name of Object.keys(targets) as Target[]) {
        const t = targets[name]
        const path = `${t.prefix}/v1/chat/completions${mode === 'stream' ? '?stream' : ''}`
        const r = await runLoad({
          origin: t.origin,
          path,
          headers: { 'content-type': 'application/json', ...t.headers },
          body,
          concurrency: c,
          durationMs: DURATION_MS,
          warmupMs: WARMUP_MS,
        })
        results[`${mode}/${c}/${name}`] = r
        process.stderr.write(
          `  ${mode} c=${c} ${name}: ${r.rps.toFixed(0)} req/s${r.errors ? ` (${r.errors} errors)` : ''}\n`,
        )
      }
    }
  }

  const rss = peakRssMb(relay.child.pid!)
  const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '—')
  const lines = [
    '| mode | c | target | req/s | p50 ms | p99 ms | TTFB p50 ms | req/s vs direct | req/s vs minimal | TTFB Δ vs minimal (ms) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const mode of ['json', 'stream'] as const) {
    for (const c of CONCURRENCY) {
      const direct = results[`${mode}/${c}/direct`]!
      const minimal = results[`${mode}/${c}/minimal`]!
      for (const name of ['direct', 'minimal', 'relay'] as const) {
        const r = results[`${mode}/${c}/${name}`]!
        lines.push(
          `| ${mode} | ${c} | ${name} | ${fmt(r.rps, 0)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.ttfbP50)} | ${fmt(r.rps / direct.rps)}x | ${fmt(r.rps / minimal.rps)}x | ${fmt(r.ttfbP50 - minimal.ttfbP50)} |`,
        )
      }
    }
  }
  console.log(
    `\nbyok relay benchmark — ${DURATION_MS} ms per run after ${WARMUP_MS} ms warm-up, loopback, 2 cores\n`,
  )
  console.log(lines.join('\n'))
  console.log(`\nrelay peak RSS (VmHWM over the whole run): ${rss.toFixed(1)} MB`)

  // The floor from the proxy issue, evaluated on this run.
  const ratio = (key: string) => results[`${key}/relay`]!.rps / results[`${key}/minimal`]!.rps
  const ttfbDelta = (key: string) => results[`${key}/relay`]!.ttfbP50 - results[`${key}/minimal`]!.ttfbP50
  const checks: [string, boolean][] = [
    [`json c=16 req/s ≥ 0.5x minimal (${fmt(ratio('json/16'))}x)`, ratio('json/16') >= 0.5],
    [`json c=64 req/s ≥ 0.5x minimal (${fmt(ratio('json/64'))}x)`, ratio('json/64') >= 0.5],
    [`stream c=16 req/s ≥ 0.5x minimal (${fmt(ratio('stream/16'))}x)`, ratio('stream/16') >= 0.5],
    [`TTFB p50 within 2 ms of minimal, c=1 json (${fmt(ttfbDelta('json/1'))} ms)`, ttfbDelta('json/1') <= 2],
    [
      `TTFB p50 within 2 ms of minimal, c=1 stream (${fmt(ttfbDelta('stream/1'))} ms)`,
      ttfbDelta('stream/1') <= 2,
    ],
    [`peak RSS ≤ 150 MB (${rss.toFixed(1)} MB)`, rss <= 150],
  ]
  console.log('')
  for (const [label, ok] of checks) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`)
  process.exitCode = checks.every(([, ok]) => ok) ? 0 : 1
} finally {
  for (const p of [relay, proxy, upstream]) p.child.kill('SIGTERM')
  rmSync(dataDir, { recursive: true, force: true })
}
