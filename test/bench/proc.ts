// What the bench reads about a process from /proc: CPU time (user + system, so native work counts too) and RSS.
// A target can be several processes (`byok start --workers 2`: the cluster primary and its workers; Postgres: the
// postmaster and its backends), so CPU and peak RSS are also summed over a process and everything below it.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/** The fields of /proc/<pid>/stat after the command name: [0] is the state, [1] the parent pid. */
function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return text.slice(text.lastIndexOf(') ') + 2).split(' ')
}

const ticksToMicros = (ticks: number): number => (ticks * 1_000_000) / TICKS_PER_SECOND

export const parentPid = (pid: number): number => Number(stat(pid)[1])

/** Every live process below `pid` (children, their children …), from one scan of /proc. */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let parent: number
    try {
      parent = parentPid(Number(entry))
    } catch {
      continue // exited while scanning
    }
    children.set(parent, [...(children.get(parent) ?? []), Number(entry)])
  }
  const found: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child)
      queue.push(child)
    }
  }
  return found
}

/**
 * CPU time of `pid` and every process below it, in µs: the root's own time plus the time of the children it has
 * reaped (cutime + cstime), plus the own time of every live descendant. The difference of two readings is exact
 * even when children come and go in between (Postgres backends, a replaced worker), as long as the root reaps them.
 */
export function treeCpuMicros(pid: number): number {
  const root = stat(pid)
  let ticks = Number(root[11]) + Number(root[12]) + Number(root[13]) + Number(root[14])
  for (const child of descendants(pid)) {
    try {
      const fields = stat(child)
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // Exited between the scan and this read: its time is in the root's cutime by the next reading.
    }
  }
  return ticksToMicros(ticks)
}

function statusField(pid: number, field: string): string | undefined {
  return new RegExp(`^${field}:\\s+(.*)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
}

const statusKb = (pid: number, field: 'VmRSS' | 'VmHWM'): number =>
  Number.parseInt(statusField(pid, field) ?? '0', 10)

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024

/** Peak RSS (VmHWM) since the process started or since the last {@link resetPeakRss}. */
export const peakRssMb = (pid: number): number => statusKb(pid, 'VmHWM') / 1024

/** Sum of the peak RSS of `pid` and every live process below it (each process's own peak: an upper bound). */
export const treePeakRssMb = (pid: number): number =>
  [pid, ...descendants(pid)].reduce((sum, p) => sum + peakRssMb(p), 0)

/** Restart VmHWM from the current RSS (Linux ≥ 4.0), so each scenario gets its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not permitted (another user, old kernel): the peak then covers everything since start.
  }
}

export function resetTreePeakRss(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) resetPeakRss(p)
}

/** The CPUs a process may run on, as the kernel lists them (`0`, `1`, `0-1`). */
export const cpusAllowed = (pid: number): string => statusField(pid, 'Cpus_allowed_list') ?? '?'
