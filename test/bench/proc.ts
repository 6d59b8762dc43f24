// What the bench reads about a process from /proc: CPU time (user + system, so native work counts too) and RSS.
import { readFileSync, writeFileSync } from 'node:fs'

const TICKS_PER_SECOND = 100

/** User + system CPU time the process has used so far, in µs. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / TICKS_PER_SECOND
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(match?.[1] ?? 0)
}

export const rssMb = (pid: number): number => statusKb(pid, 'VmRSS') / 1024

/** Peak RSS (VmHWM) since the process started or since the last {@link resetPeakRss}. */
export const peakRssMb = (pid: number): number => statusKb(pid, 'VmHWM') / 1024

/** Restart VmHWM from the current RSS (Linux ≥ 4.0), so each scenario gets its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
  } catch {
    // Not permitted (another user, old kernel): the peak then covers everything since start.
  }
}
