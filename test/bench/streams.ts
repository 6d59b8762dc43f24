// `pnpm bench:streams`: BENCH_STREAMS (default 10,000) SSE streams held open at once through each relay entry
// point, against a mock that sends one chunk a second. Records the relay's peak RSS and every failed stream.
// Loopback only; bounded in time. Each relay needs two sockets per stream (client + upstream), so the relay and
// the mock are started with their open-file limit raised (`ulimit -n`; past the hard limit that needs root).
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peakRssMb, rssMb } from './proc.js'
import { BODY } from './scenarios.js'
import {
  benchRelayEnv,
  build,
  type EntryPoint,
  enrol,
  openFileLimit,
  type Running,
  startEntryPoint,
  startHelper,
  stop,
} from './targets.js'

const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000)
const CHUNK_INTERVAL_MS = 1_000
/** How long all streams stay open together before the mock ends them. */
const HOLD_MS = 3_000
/** Streams connecting at once while ramping up: under the listen backlog (511), so no SYN is dropped. */
const CONNECTING = 256
/** Bounds: opening every stream, then ending them all. */
const RAMP_DEADLINE_MS = 180_000
const END_DEADLINE_MS = 60_000
const ENTRIES = (process.env.BENCH_TARGETS ?? 'byok-relay,byok start').split(',') as EntryPoint[]
/** Files a relay has open besides its sockets (stdio, SQLite and its WAL, epoll, pipes …), with room to spare. */
const OTHER_FILES = 64
const NOFILE = 2 * STREAMS + OTHER_FILES

interface Outcome {
  readonly streams: number
  readonly ok: number
  readonly errors: Map<string, number>
  readonly peakOpen: number
  readonly rampMs: number
  readonly totalMs: number
  readonly peakRssMb: number
  readonly rssAllOpenMb: number
}

/** One raw HTTP/1.1 stream: resolves with null when it was a 200 that ended in `[DONE]`, else with why not. */
function openStream(port: number, request: string, onOpen: () => void): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let head = ''
    let tail = ''
    let status = ''
    let done = false
    socket.setNoDelay(true)
    socket.on('connect', () => socket.write(request))
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1')
      if (status === '') {
        head += text
        const line = head.indexOf('\r\n')
        if (line < 0) return
        status = head.slice(9, 12)
        if (status === '200') onOpen()
      }
      tail = (tail + text).slice(-64)
      if (tail.includes('[DONE]')) done = true
    })
    socket.on('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code ?? 'socket error')
    })
    socket.on('close', () => {
      if (status !== '200') resolve(status === '' ? 'no response' : `status ${status}`)
      else resolve(done ? null : 'stream cut before [DONE]')
    })
  })
}

async function run(entry: EntryPoint, upstream: Running, dataDir: string): Promise<Outcome> {
  const upstreamPort = upstream.port
  const relay = await startEntryPoint(
    entry,
    // Every stream comes from 127.0.0.1.
    { ...benchRelayEnv(entry, upstreamPort, dataDir), MAX_CONNECTIONS_PER_IP: '0' },
    { cwd: dataDir, nofile: NOFILE },
  )
  try {
    const limit = openFileLimit(relay.pid)
    const streams = Math.min(STREAMS, Math.floor((limit - OTHER_FILES) / 2))
    if (streams < STREAMS) {
      process.stderr.write(
        `${entry}: the relay may open only ${limit} files and ${STREAMS} streams need ${NOFILE}, so this run ` +
          `holds ${streams}. Raise the hard limit first (as root, \`ulimit -Hn ${NOFILE}\`; LimitNOFILE= under systemd).\n`,
      )
    }
    const token = await enrol(`http://127.0.0.1:${relay.port}`)
    // The previous entry point's run released every stream; this one's must be held again.
    const held = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        upstream.child.off('message', onMessage)
        reject(new Error('the mock upstream did not answer `hold` within 10 s'))
      }, 10_000)
      const onMessage = (m: unknown) => {
        if (m !== 'held') return
        clearTimeout(timer)
        upstream.child.off('message', onMessage)
        resolve()
      }
      upstream.child.on('message', onMessage)
    })
    upstream.child.send('hold')
    await held
    const path = `/relay/openai/v1/chat/completions?stream&slow=${CHUNK_INTERVAL_MS}`
    const request =
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
      `x-relay-token: ${token}\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\nconnection: close\r\n\r\n${BODY}`
    const started = performance.now()
    let open = 0
    let peakOpen = 0
    let rampMs = 0
    let rssAllOpen = 0
    const pending: Promise<string | null>[] = []
    let connecting = 0
    let ended = 0
    let wake = (): void => {}
    let launched = 0
    for (; launched < streams && performance.now() - started < RAMP_DEADLINE_MS; launched++) {
      // Woken by a stream that connected, or after 100 ms to re-check the deadline.
      while (connecting >= CONNECTING && performance.now() - started < RAMP_DEADLINE_MS) {
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 100)
        })
      }
      connecting++
      let settled = false
      let opened = false
      const connected = (): void => {
        if (settled) return
        settled = true
        connecting--
        wake()
      }
      pending.push(
        openStream(relay.port, request, () => {
          connected()
          opened = true
          open++
          peakOpen = Math.max(peakOpen, open)
          if (open === streams) rampMs = performance.now() - started
        }).then((why) => {
          connected()
          // An open stream that ends is no longer open; either way it is done.
          if (opened) open--
          ended++
          return why
        }),
      )
    }
    // Every stream is held by the mock until released: wait until all are open (or the ramp deadline), hold.
    while (open + ended < launched && performance.now() - started < RAMP_DEADLINE_MS) {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS))
    rssAllOpen = rssMb(relay.pid)
    upstream.child.send('release')
    const deadline = new Promise<'deadline'>((resolve) =>
      setTimeout(resolve, END_DEADLINE_MS, 'deadline').unref(),
    )
    const outcome = await Promise.race([Promise.all(pending), deadline])
    if (outcome === 'deadline')
      throw new Error(`streams still open ${END_DEADLINE_MS / 1000} s after release`)
    const errors = new Map<string, number>()
    for (const why of outcome) if (why !== null) errors.set(why, (errors.get(why) ?? 0) + 1)
    return {
      streams,
      ok: outcome.filter((why) => why === null).length,
      errors,
      peakOpen,
      rampMs,
      totalMs: performance.now() - started,
      peakRssMb: peakRssMb(relay.pid),
      rssAllOpenMb: rssAllOpen,
    }
  } finally {
    await stop(relay)
  }
}

build(ENTRIES)
const dataDir = mkdtempSync(join(tmpdir(), 'byok-streams-'))
let upstream: Running | undefined
try {
  upstream = await startHelper('mock-upstream.ts', [], undefined, { nofile: NOFILE })
  let failed = false
  console.log(
    `\nup to ${STREAMS} concurrent SSE streams (one chunk every ${CHUNK_INTERVAL_MS} ms, all held open for ${HOLD_MS / 1000} s) per entry point, loopback\n`,
  )
  console.log(
    '| target | streams | ok | errors | peak open | all open after | peak RSS | RSS with all open |',
  )
  console.log('|---|---:|---:|---|---:|---:|---:|---:|')
  for (const entry of ENTRIES) {
    const r = await run(entry, upstream, dataDir)
    const errors = [...r.errors].map(([why, n]) => `${n} ${why}`).join(', ') || '0'
    console.log(
      `| ${entry} | ${r.streams} | ${r.ok} | ${errors} | ${r.peakOpen} | ${r.rampMs > 0 ? `${(r.rampMs / 1000).toFixed(1)} s` : 'never'} | ${r.peakRssMb.toFixed(0)} MB | ${r.rssAllOpenMb.toFixed(0)} MB |`,
    )
    if (r.ok !== r.streams || r.peakRssMb > 1024) failed = true
  }
  console.log(`\n${failed ? 'FAIL' : 'PASS'}  every stream intact and peak RSS ≤ 1024 MB`)
  process.exitCode = failed ? 1 : 0
} finally {
  await stop(upstream)
  rmSync(dataDir, { recursive: true, force: true })
}
