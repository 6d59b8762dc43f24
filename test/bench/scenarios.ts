// What `pnpm bench` runs and what it checks. Run order and reporting live in run.ts.
export type Mode = 'json' | 'stream'
/** 'minimal', an entry point (`byok-relay`, `byok start`) or a store mode's label (`SQLite 2 workers`). */
export type TargetName = string

export interface Cell {
  readonly mode: Mode
  readonly concurrency: number
}

export const MODES: readonly Mode[] = ['json', 'stream']

/** The OpenAI chat body every call sends; `?stream` makes the mock answer with 20 SSE chunks. */
export const BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
})
export const pathFor = (mode: Mode): string =>
  `/relay/openai/v1/chat/completions${mode === 'stream' ? '?stream' : ''}`

export function cells(modes: readonly Mode[], concurrencies: readonly number[]): Cell[] {
  return modes.flatMap((mode) => concurrencies.map((concurrency) => ({ mode, concurrency })))
}

export const cellKey = (cell: Cell): string => `${cell.mode}/${cell.concurrency}`

/** Per target and cell: what was measured. */
export interface Measured {
  readonly rps: number
  readonly p50: number
  readonly p99: number
  readonly errors: number
  /** Summed over the target's processes (a cluster primary and its workers). */
  readonly cpuMicrosPerRequest: number
  /** Sum of each of the target's processes' peak. */
  readonly peakRssMb: number
  /** CPU of the Postgres and Redis servers over the same run (0 when none runs). */
  readonly backendCpuMicrosPerRequest: number
}

export interface Figures {
  readonly cells: ReadonlyMap<string, ReadonlyMap<TargetName, Measured>>
  /** p50 time to first body byte at c=1, ms, per mode and target. */
  readonly ttfb: ReadonlyMap<Mode, ReadonlyMap<TargetName, number>>
}

export interface Check {
  readonly label: string
  readonly ok: boolean
}

interface Limits {
  readonly ratio: number
  readonly ttfbAddedMs: number
  readonly peakRssMb: number
}

/**
 * FLOOR fails the run (exit 1): loose enough that a busy machine does not trip it, tight enough that a real
 * regression does. GOAL is issue 24's target on a quiet 2-core machine; it is reported, not enforced. The
 * relay's JSON ratio sits at 0.48–0.57× with runs ±0.05 apart, so the floor is 0.4×: a ratio of 0.5× failed
 * identical builds on a busy host.
 */
export const FLOOR: Limits = { ratio: 0.4, ttfbAddedMs: 2, peakRssMb: 150 }
export const GOAL: Limits = { ratio: 0.8, ttfbAddedMs: 1, peakRssMb: 120 }

/** The cells whose req/s ratio is checked, and those whose peak RSS is. */
const RATIO_CELLS = ['json/16', 'json/64', 'stream/16']
const RSS_CELLS = ['json/64', 'stream/64']

export function evaluate(figures: Figures, entries: readonly TargetName[], limits: Limits): Check[] {
  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—')
  const checks: Check[] = []
  for (const entry of entries) {
    for (const key of RATIO_CELLS) {
      const cell = figures.cells.get(key)
      const relay = cell?.get(entry)
      const minimal = cell?.get('minimal')
      if (!relay || !minimal) continue
      const ratio = relay.rps / minimal.rps
      checks.push({
        label: `${entry}: ${key.replace('/', ' c=')} req/s ≥ ${limits.ratio}× minimal (${fmt(ratio)}×)`,
        ok: ratio >= limits.ratio && relay.errors === 0,
      })
    }
    for (const [mode, ttfb] of figures.ttfb) {
      const added = (ttfb.get(entry) ?? Number.NaN) - (ttfb.get('minimal') ?? Number.NaN)
      checks.push({
        label: `${entry}: ${mode} first byte p50 added ≤ ${limits.ttfbAddedMs} ms (${fmt(added)} ms)`,
        ok: added <= limits.ttfbAddedMs,
      })
    }
    for (const key of RSS_CELLS) {
      const relay = figures.cells.get(key)?.get(entry)
      if (!relay) continue
      checks.push({
        label: `${entry}: ${key.replace('/', ' c=')} peak RSS ≤ ${limits.peakRssMb} MB (${relay.peakRssMb.toFixed(0)} MB)`,
        ok: relay.peakRssMb <= limits.peakRssMb,
      })
    }
  }
  return checks
}
