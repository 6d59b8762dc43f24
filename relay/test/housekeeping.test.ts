import { describe, expect, it, vi } from 'vitest'
import { openSqliteStore } from '../src/index.js'
import type { PurgeResult } from '../src/store/types.js'
import { buildTestApp, createClock, DAY_MS, registerUser, SAMPLE_KEYS, storeKey } from './helpers.js'

/** The housekeeping lines among the JSON log lines written so far. */
const housekeepingLines = (lines: readonly string[]) =>
  lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg?.startsWith('housekeeping'))

const POLL = { timeout: 5_000, interval: 10 }

describe('housekeeping', () => {
  it('deletes a token 30 days after it expired, not before, and logs what it deleted', async () => {
    const clock = createClock()
    const lines: string[] = []
    const app = await buildTestApp(
      { LOG_LEVEL: 'info', TOKEN_EXPIRY_DAYS: '1' },
      {
        now: clock.now,
        logSink: { write: (line) => lines.push(line) },
        housekeeping: { firstPassMs: 0, intervalMs: 20 },
      },
    )
    const expiring = await registerUser(app)
    await storeKey(app, expiring, 'openai', SAMPLE_KEYS.openai)
    const keys = (token: string) =>
      app.inject({ method: 'GET', url: '/keys', headers: { 'x-relay-token': token } })
    await app.ready()

    // Expired, but within the grace period: the row stays and the answer stays precise.
    clock.advance(20 * DAY_MS)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect((await keys(expiring)).json()).toMatchObject({ code: 'token_expired' })

    clock.advance(15 * DAY_MS)
    const fresh = await registerUser(app)
    await vi.waitFor(() => expect(housekeepingLines(lines)).toHaveLength(1), POLL)
    expect(housekeepingLines(lines)[0]).toMatchObject({ tokens: 1, counters: 0, level: 30 })
    clock.advance(10_000) // past the read cache's few seconds
    expect((await keys(expiring)).json()).toMatchObject({ code: 'token_invalid' })
    expect((await keys(fresh)).json()).toMatchObject({ providers: [] })
  }, 15_000)

  it('repeats a pass in batches until one comes back short, and closing waits for the batch in flight', async () => {
    const lines: string[] = []
    let calls = 0
    let failInFlight: ((error: Error) => void) | undefined
    const store = openSqliteStore(':memory:')
    const app = await buildTestApp(
      { LOG_LEVEL: 'info' },
      {
        store: {
          ...store,
          purgeExpired: (): Promise<PurgeResult> => {
            calls++
            if (calls <= 2) return Promise.resolve({ tokens: 1_000, counters: 0 })
            if (calls === 3) return Promise.resolve({ tokens: 5, counters: 7 })
            return new Promise((_, reject) => {
              failInFlight = reject
            })
          },
        },
        logSink: { write: (line) => lines.push(line) },
        housekeeping: { firstPassMs: 0, intervalMs: 20 },
      },
    )
    await app.ready()
    await vi.waitFor(() => expect(failInFlight, 'the second pass in flight').toBeDefined(), POLL)
    expect(housekeepingLines(lines)).toEqual([expect.objectContaining({ tokens: 2_005, counters: 7 })])
    let closed = false
    const closing = app.close().then(() => {
      closed = true
    })
    await new Promise((r) => setTimeout(r, 50))
    expect(closed, 'closing waits for the batch in flight').toBe(false)
    failInFlight!(new Error('the store is closing'))
    await closing
    expect(calls).toBe(4)
  }, 15_000)

  it('logs a failed pass as a warning and tries again at the next one', async () => {
    const lines: string[] = []
    let passes = 0
    const store = openSqliteStore(':memory:')
    const app = await buildTestApp(
      { LOG_LEVEL: 'info' },
      {
        store: {
          ...store,
          purgeExpired: async () => {
            passes++
            throw new Error('disk I/O error')
          },
        },
        logSink: { write: (line) => lines.push(line) },
        housekeeping: { firstPassMs: 0, intervalMs: 20 },
      },
    )
    await app.ready()
    await vi.waitFor(() => expect(passes, 'two passes').toBeGreaterThanOrEqual(2), POLL)
    const warnings = housekeepingLines(lines)
    expect(warnings[0]).toMatchObject({ level: 40, msg: 'housekeeping failed; the next pass retries' })
    expect(warnings[0].err.message).toBe('disk I/O error')
  }, 15_000)
})
