import type { LogSink } from '@byok/relay'

/**
 * Every relay the end-to-end suites start logs at trace level into this capture (in-process through
 * `AppDeps.logSink`, child processes through their piped stdout), and `setup-log-scan.ts` checks it after each
 * test file: no relay token, provider key or secret may appear in any log line. Tokens and keys are found by
 * their shapes, so tests need not register every value they create; fixed secrets are registered by name.
 */
const lines: string[] = []
const secrets = new Map<string, string>()

// The shapes of what must never be logged: relay tokens and the provider key formats the suites store.
const SECRET_SHAPES: readonly [string, RegExp][] = [
  ['relay token', /byok_rt_[A-Za-z0-9_-]{20,}/],
  ['connect code', /byok_cc_[A-Za-z0-9_-]{20,}/],
  ['OpenAI-style key', /sk-(?:proj-|or-|ant-)?[A-Za-z0-9_-]{16,}/],
  ['Gemini key', /AIza[0-9A-Za-z_-]{30,}/],
  ['Groq key', /gsk_[A-Za-z0-9]{16,}/],
]

export const logSink: LogSink = {
  write(line) {
    lines.push(line)
  },
}

/** For child processes: feed their stdout here (pino writes one JSON object per line). */
export function captureLogOutput(chunk: Buffer | string): void {
  for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(line)
}

/** Fixed secrets (ENCRYPTION_SECRET, APP_SECRET…) that have no recognisable shape. */
export function noteSecret(name: string, value: string): void {
  secrets.set(name, value)
}

/** Leaks in everything captured so far, described without repeating the secret; then forgets the capture. */
export function takeLogLeaks(): { scanned: number; leaks: string[] } {
  const leaks: string[] = []
  for (const [i, line] of lines.entries()) {
    for (const [name, shape] of SECRET_SHAPES) if (shape.test(line)) leaks.push(`log line ${i}: ${name}`)
    for (const [name, value] of secrets) if (line.includes(value)) leaks.push(`log line ${i}: ${name}`)
  }
  const scanned = lines.length
  lines.length = 0
  return { scanned, leaks }
}
