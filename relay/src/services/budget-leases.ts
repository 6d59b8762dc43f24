import type { BudgetCounters, BudgetRecord, BudgetReservation, BudgetStore } from '../store/types.js'

type Entry = BudgetReservation['entries'][number]
type Estimate = { inputTokens: number; outputTokens: number }

/** A lease covers this many more calls like the one that took it… */
const LEASE_CALLS = 64
/** …and never more than this share of a cap, so that small caps are checked call by call in the store. */
const LEASE_SHARE = 1 / 64
/** Leases are given back on the sweep after the one that found them (so they live 0.5–1 s). */
const SWEEP_MS = 500

/** A block of one counter row's allowance, already added to the row in the store, spent here call by call. */
interface Lease {
  readonly entry: Entry
  /** The calling user (an own budget's entry does not name it): budget changes give back the user's leases. */
  readonly userId: string
  requests: number
  input: number
  output: number
  /** The tokens the last settled call on the row used: a call is spent from the lease only if it covers that too. */
  lastInput: number
  lastOutput: number
  /** Whether the row's budget caps input or output tokens (a lease tracks uncapped ones, never refuses on them). */
  readonly capsInput: boolean
  readonly capsOutput: boolean
  /** Set by the first sweep that sees the lease; the next one gives it back. */
  old: boolean
}

/** The counter row a reservation entry counts against. */
export const entryKey = (e: Entry): string => `${e.userId ?? ''}\n${e.budgetId}\n${e.periodStart}`

/**
 * The block a call asks for on top of itself: `LEASE_CALLS` calls like it (its estimate, or what the last call on
 * its rows used when that was more), at most `LEASE_SHARE` of any cap; undefined when that would not cover one
 * more such call (small caps, or a cap close to this call's needs).
 */
export function leaseSize(budgets: readonly BudgetRecord[], need: Estimate): BudgetCounters | undefined {
  const size = (cap: number | null, perCall: number) =>
    Math.min(LEASE_CALLS * perCall, cap === null ? Number.POSITIVE_INFINITY : Math.floor(cap * LEASE_SHARE))
  let requests = LEASE_CALLS
  let inputTokens = LEASE_CALLS * need.inputTokens
  let outputTokens = LEASE_CALLS * need.outputTokens
  for (const b of budgets) {
    requests = Math.min(requests, size(b.maxRequests, 1))
    inputTokens = Math.min(inputTokens, size(b.maxInputTokens, need.inputTokens))
    outputTokens = Math.min(outputTokens, size(b.maxOutputTokens, need.outputTokens))
  }
  const covers = requests >= 1 && inputTokens >= need.inputTokens && outputTokens >= need.outputTokens
  return covers ? { requests, inputTokens, outputTokens } : undefined
}

/**
 * The leases this process holds. Invariant (what keeps the caps exact across instances): a counter row in the
 * store holds what its calls used (estimates until settled) plus every unspent lease on it, so a lease is granted
 * only where the cap leaves room for it, and spending it locally never takes a row past its cap. A call is spent
 * from a lease only while the lease covers its estimate and what the last call on the row used; settlements
 * correct the lease, not the store, and can take it below zero only as far as calls in flight used more than
 * that (the same overspend as without leases). Giving a lease back writes what is left of it, or that overspend.
 *
 * What it costs: another instance may be refused while this one still holds unspent allowance (at most
 * `LEASE_SHARE` of the cap per lease, for at most a second), and a killed process loses its unspent leases: the
 * counters then show up to that much more than was used, until the period ends.
 */
export function createLeases(store: Pick<BudgetStore, 'releaseBudgets'>) {
  const held = new Map<string, Lease>()
  /** Rows with a lease request in flight: other calls wait for it rather than each taking a block. */
  const pending = new Map<string, Promise<unknown>>()
  let sweepTimer: NodeJS.Timeout | undefined

  /** Writes still running that give leases back (Postgres; SQLite queues them synchronously). */
  const releasing = new Set<Promise<void>>()
  function release(lease: Lease): Promise<void> {
    held.delete(entryKey(lease.entry))
    const write = store.releaseBudgets([lease.entry], {
      requests: lease.requests,
      inputTokens: lease.input,
      outputTokens: lease.output,
    })
    releasing.add(write)
    const done = () => releasing.delete(write)
    write.then(done, done)
    return write
  }
  function releaseWhere(match: (lease: Lease) => boolean): Promise<void> {
    const released = [...held.values()].filter(match).map(release)
    return Promise.all(released).then(() => undefined)
  }
  function sweep(): void {
    sweepTimer = undefined
    releaseWhere((lease) => {
      const old = lease.old
      lease.old = true
      return old
    }).catch(() => {
      // The store refused the write (it is failing or closed): the counters keep the block, erring towards refusal.
    })
    if (held.size > 0) scheduleSweep()
  }
  function scheduleSweep(): void {
    if (sweepTimer) return
    sweepTimer = setTimeout(sweep, SWEEP_MS)
    sweepTimer.unref()
  }
  const covers = (lease: Lease | undefined, estimate: Estimate): lease is Lease =>
    lease !== undefined &&
    lease.requests >= 1 &&
    (!lease.capsInput || lease.input >= Math.max(estimate.inputTokens, lease.lastInput)) &&
    (!lease.capsOutput || lease.output >= Math.max(estimate.outputTokens, lease.lastOutput))

  return {
    /** Spends one call from the lease of every row, synchronously, if each covers it; false leaves them all as they were. */
    take(keys: readonly string[], estimate: Estimate): boolean {
      for (const key of keys) if (!covers(held.get(key), estimate)) return false
      for (const key of keys) {
        const lease = held.get(key)!
        lease.requests -= 1
        lease.input -= estimate.inputTokens
        lease.output -= estimate.outputTokens
      }
      return true
    },
    /**
     * Waits for the lease requests in flight on these rows (at most `maxWaits` of them) and spends the call from
     * what they granted: `free` when none is in flight (the caller may ask for a block), `busy` when it stopped
     * waiting.
     */
    async waitAndTake(
      keys: readonly string[],
      estimate: Estimate,
      maxWaits: number,
    ): Promise<'taken' | 'free' | 'busy'> {
      for (let waits = 0; ; waits++) {
        if (this.take(keys, estimate)) return 'taken'
        const inFlight = keys.map((key) => pending.get(key)).find((request) => request !== undefined)
        if (!inFlight) return 'free'
        if (waits === maxWaits) return 'busy'
        await inFlight.catch(() => {})
      }
    },
    /**
     * Gives back what these rows' leases hold (SQLite writes that before the request's own check), then runs
     * `request` (a store reservation) with the rows marked in flight, asking for a block sized by `budgets` and
     * what the rows' calls use; keeps the block if the store granted it.
     */
    async renew<T extends { ok: boolean; reservation?: BudgetReservation }>(
      keys: readonly string[],
      userId: string,
      budgets: readonly BudgetRecord[],
      estimate: Estimate,
      request: (lease: BudgetCounters | undefined) => Promise<T>,
    ): Promise<T> {
      const previous = keys.flatMap((key) => held.get(key) ?? [])
      const last = {
        inputTokens: Math.max(0, ...previous.map((l) => l.lastInput)),
        outputTokens: Math.max(0, ...previous.map((l) => l.lastOutput)),
      }
      const lease = leaseSize(budgets, {
        inputTokens: Math.max(estimate.inputTokens, last.inputTokens),
        outputTokens: Math.max(estimate.outputTokens, last.outputTokens),
      })
      const done = Promise.all(previous.map(release)).then(() => request(lease))
      for (const key of keys) pending.set(key, done)
      try {
        const result = await done
        const granted = result.reservation?.lease
        if (granted) {
          const { requests, inputTokens: input, outputTokens: output } = granted
          for (const [i, entry] of result.reservation!.entries.entries()) {
            const key = entryKey(entry)
            const current = held.get(key)
            // Two requests for one row only when a caller stopped waiting: both blocks are on the row, keep both.
            if (current) {
              current.requests += requests
              current.input += input
              current.output += output
            } else {
              const { inputTokens: lastInput, outputTokens: lastOutput } = last
              const capsInput = budgets[i]!.maxInputTokens !== null
              const capsOutput = budgets[i]!.maxOutputTokens !== null
              const lease = {
                entry,
                userId,
                requests,
                input,
                output,
                lastInput,
                lastOutput,
                capsInput,
                capsOutput,
              }
              held.set(key, { ...lease, old: false })
            }
          }
          scheduleSweep()
        }
        return result
      } finally {
        for (const key of keys) if (pending.get(key) === done) pending.delete(key)
      }
    },
    /**
     * Applies a settlement to the leases on its rows (the same as writing it to the store, by the invariant
     * above); returns the entries that have no lease here, for the store.
     */
    settle(entries: readonly Entry[], estimate: Estimate, used: Estimate): Entry[] {
      const rest: Entry[] = []
      for (const entry of entries) {
        const lease = held.get(entryKey(entry))
        if (!lease) {
          rest.push(entry)
          continue
        }
        lease.input -= used.inputTokens - estimate.inputTokens
        lease.output -= used.outputTokens - estimate.outputTokens
        lease.lastInput = used.inputTokens
        lease.lastOutput = used.outputTokens
      }
      return rest
    },
    /** Waits for the leases being given back to be written; false when none was. */
    async releasesWritten(): Promise<boolean> {
      if (releasing.size === 0) return false
      await Promise.allSettled([...releasing])
      return true
    },
    /** What this process holds of a row's counters, for reporting its use. */
    heldOn(entry: Entry): BudgetCounters | undefined {
      const lease = held.get(entryKey(entry))
      return lease && { requests: lease.requests, inputTokens: lease.input, outputTokens: lease.output }
    },
    /** Gives back the user's leases (their budgets changed). */
    releaseUser(userId: string): Promise<void> {
      return releaseWhere((lease) => lease.userId === userId)
    },
    /** Gives back every lease (every budget may have changed, or the relay is closing: before the store closes). */
    releaseAll(): Promise<void> {
      if (sweepTimer) clearTimeout(sweepTimer)
      sweepTimer = undefined
      return releaseWhere(() => true)
    },
  }
}
