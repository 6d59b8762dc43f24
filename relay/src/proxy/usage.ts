/**
 * Token usage for the metadata-only request log (SPEC §3): the proxy forwards each upstream chunk untouched and
 * also hands it to a tap, which keeps at most 2 MiB and, at the end, reads only the token counters and the model
 * name. Prompts and completions are never extracted.
 *
 * @example
 *   const tap = createUsageTap(upstream.headers['content-type'])
 *   body.on('data', (chunk: Buffer) => { tap.write(chunk); reply.raw.write(chunk) })
 *   body.on('end', () => log.info({ ...tap.finish() }, 'proxied'))
 */

export interface Usage {
  inputTokens: number | null
  outputTokens: number | null
  model: string | null
}

export interface UsageTap {
  /** Feed each chunk exactly as sent to the client. O(chunk) work; never throws. */
  write(chunk: Buffer): void
  /** Reads what was kept; nulls when absent or unparseable. Never throws. */
  finish(): Usage
}

/**
 * The most tokens one call is logged with. Upstream numbers are stored, and a custom endpoint is user-chosen:
 * without a bound, two calls claiming 2^53 tokens would overflow SQLite's SUM and break `/stats`.
 */
export const MAX_LOGGED_TOKENS = 1_000_000_000

/** Bound on what a tap holds: a whole JSON body, or one SSE line / one SSE event's data. */
export const MAX_KEPT_BYTES = 2 * 1024 * 1024

/**
 * Picks the parser from the upstream `content-type`: `text/event-stream` → SSE, `application/json` or
 * `application/*+json` → JSON, anything else (audio, images, text) → a tap that keeps nothing.
 */
export function createUsageTap(contentType: string | undefined): UsageTap {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  if (mediaType === 'text/event-stream') return createSseTap()
  if (mediaType === 'application/json' || /^application\/[^/\s]+\+json$/.test(mediaType))
    return createJsonTap()
  return { write() {}, finish: emptyUsage }
}

function emptyUsage(): Usage {
  return { inputTokens: null, outputTokens: null, model: null }
}

type Counter = 'input' | 'cacheWrite' | 'cacheRead' | 'output' | 'thoughts'

/**
 * Collects counters from provider objects. Every later value replaces an earlier one field by field, but a
 * missing or null field never erases a number (OpenAI sends `usage: null` on every chunk before the last).
 */
function createUsageReader() {
  let model: string | null = null
  const counts: Record<Counter, number | null> = {
    input: null,
    cacheWrite: null,
    cacheRead: null,
    output: null,
    thoughts: null,
  }
  const set = (key: Counter, value: unknown): void => {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
      counts[key] = Math.min(value, MAX_LOGGED_TOKENS)
  }

  function readObject(o: Record<string, unknown>): void {
    // OpenAI and Anthropic say `model`; Gemini says `modelVersion`.
    const name = typeof o.model === 'string' ? o.model : o.modelVersion
    if (typeof name === 'string' && name !== '') model = name
    const usage = o.usage
    if (isRecord(usage)) {
      // OpenAI Chat Completions: https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
      // (streamed only with stream_options.include_usage, in a last chunk whose `choices` is empty).
      set('input', usage.prompt_tokens)
      set('output', usage.completion_tokens)
      // OpenAI Responses: https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
      // Anthropic Messages: https://docs.anthropic.com/en/api/messages#response-usage and, for streams,
      // https://docs.anthropic.com/en/docs/build-with-claude/streaming (message_delta counts are cumulative).
      set('input', usage.input_tokens)
      set('output', usage.output_tokens)
      set('cacheWrite', usage.cache_creation_input_tokens)
      set('cacheRead', usage.cache_read_input_tokens)
    }
    // Gemini: https://ai.google.dev/api/generate-content#UsageMetadata
    const meta = o.usageMetadata
    if (isRecord(meta)) {
      set('input', meta.promptTokenCount)
      set('output', meta.candidatesTokenCount)
      set('thoughts', meta.thoughtsTokenCount)
    }
  }

  return {
    /** Accepts one provider object, or an array of them (Gemini streamGenerateContent without `alt=sse`). */
    read(value: unknown): void {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (!isRecord(item)) continue
        readObject(item)
        // Anthropic `message_start` nests the message; OpenAI Responses events nest the response
        // (response.created / .completed / .incomplete / .failed).
        if (isRecord(item.message)) readObject(item.message)
        if (isRecord(item.response)) readObject(item.response)
      }
    },
    result(): Usage {
      const { input, cacheWrite, cacheRead, output, thoughts } = counts
      return {
        // Anthropic's input_tokens excludes cached tokens (cache writes and reads are counted apart), whereas
        // OpenAI's prompt/input tokens and Gemini's promptTokenCount include them. Adding Anthropic's cache
        // fields makes inputTokens mean "the whole prompt" for every provider:
        // https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching#tracking-cache-performance
        inputTokens:
          input === null ? null : Math.min(input + (cacheWrite ?? 0) + (cacheRead ?? 0), MAX_LOGGED_TOKENS),
        // Gemini's candidatesTokenCount leaves out thinking tokens; OpenAI's output counts include reasoning.
        outputTokens:
          output === null && thoughts === null
            ? null
            : Math.min((output ?? 0) + (thoughts ?? 0), MAX_LOGGED_TOKENS),
        model,
      }
    },
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function createJsonTap(): UsageTap {
  const reader = createUsageReader()
  // Copies: the chunk belongs to the response stream, which may reuse or pool its memory.
  let parts: Buffer[] | null = []
  let size = 0
  let result: Usage | null = null
  return {
    write(chunk) {
      if (parts === null) return
      size += chunk.length
      if (size > MAX_KEPT_BYTES)
        parts = null // too large to parse cheaply: give up, release what was kept
      else parts.push(Buffer.from(chunk))
    },
    finish() {
      if (result) return result
      try {
        if (parts && size > 0) {
          // One chunk is the usual case for a JSON answer: no concatenation then.
          let text = (parts.length === 1 ? parts[0]! : Buffer.concat(parts, size)).toString('utf8')
          // A leading BOM, which JSON.parse would reject.
          if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
          reader.read(JSON.parse(text))
        }
      } catch {
        // Not JSON (a truncated body, an HTML error page): no usage.
      }
      parts = null
      result = reader.result()
      return result
    },
  }
}

const LF = 0x0a
const CR = 0x0d
const DATA = Buffer.from('data')
const EMPTY = Buffer.alloc(0)
const USAGE_BYTES = Buffer.from('usage')
const MODEL_BYTES = Buffer.from('"model')

/**
 * Incremental event-stream parser: https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * Lines end in LF, CRLF or CR, and a chunk may end between the CR and LF of one CRLF. Lines are split on bytes and
 * decoded whole; CR and LF never occur inside a multi-byte UTF-8 sequence, so a split character stays intact.
 */
function createSseTap(): UsageTap {
  const reader = createUsageReader()
  let line: Buffer[] = [] // the unterminated line, copied out of its chunks
  let lineSize = 0
  let lineTooLong = false
  let skipLF = false // the previous chunk ended in CR: a leading LF completes that CRLF
  let firstLine = true
  let data: Buffer[] = [] // `data` field values of the event being read, still as bytes
  let haveModel = false
  let dataSize = 0
  let eventBroken = false // a line of this event was dropped: never parse what is left of it
  let result: Usage | null = null

  function dispatch(): void {
    // Decoding and JSON.parse on every token delta would dominate the relay's cost: usage lives in few events
    // and the model only needs reading once, so the bytes are searched first. OpenAI's `[DONE]` falls out here
    // too; `"model` also matches Gemini's `"modelVersion"`.
    if (
      data.length > 0 &&
      !eventBroken &&
      data.some((d) => d.includes(USAGE_BYTES) || (!haveModel && d.includes(MODEL_BYTES)))
    ) {
      try {
        reader.read(JSON.parse(data.map((d) => d.toString('utf8')).join('\n')))
        haveModel ||= reader.result().model !== null
      } catch {
        // Malformed event: skip it, keep reading the stream.
      }
    }
    data = []
    dataSize = 0
    eventBroken = false
  }

  function onLine(bytes: Buffer): void {
    if (firstLine) {
      firstLine = false
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3)
    }
    if (bytes.length === 0) {
      dispatch()
      return
    }
    // Only the `data` field matters: `data`, `data:` or `data: value` (one leading space dropped).
    if (bytes.length < 4 || DATA.compare(bytes, 0, 4) !== 0) return
    if (bytes.length > 4 && bytes[4] !== 0x3a) return
    const start = bytes[5] === 0x20 ? 6 : 5
    dataSize += Math.max(bytes.length - start, 0)
    if (dataSize > MAX_KEPT_BYTES) {
      eventBroken = true
      data = []
    } else if (!eventBroken) data.push(bytes.length > 4 ? bytes.subarray(start) : EMPTY)
  }

  function keep(piece: Buffer): void {
    if (lineTooLong || piece.length === 0) return
    lineSize += piece.length
    if (lineSize > MAX_KEPT_BYTES) {
      lineTooLong = true
      line = []
    } else line.push(Buffer.from(piece))
  }

  function endLine(tail: Buffer): void {
    const pieces = line
    const size = lineSize + tail.length
    const tooLong = lineTooLong || size > MAX_KEPT_BYTES
    line = []
    lineSize = 0
    lineTooLong = false
    if (tooLong) eventBroken = true
    else onLine(pieces.length === 0 ? tail : Buffer.concat([...pieces, tail], size))
  }

  return {
    write(chunk) {
      if (result) return
      let pos = 0
      if (skipLF) {
        skipLF = false
        if (chunk[0] === LF) pos = 1
      }
      // The next LF and CR are remembered until passed, so each byte is searched at most once per kind.
      let nextLF = -2
      let nextCR = -2
      while (pos < chunk.length) {
        if (nextLF !== -1 && nextLF < pos) nextLF = chunk.indexOf(LF, pos)
        if (nextCR !== -1 && nextCR < pos) nextCR = chunk.indexOf(CR, pos)
        const end = nextLF === -1 ? nextCR : nextCR === -1 ? nextLF : Math.min(nextLF, nextCR)
        if (end === -1) {
          keep(chunk.subarray(pos))
          return
        }
        endLine(chunk.subarray(pos, end))
        pos = end + 1
        if (chunk[end] === CR) {
          if (pos === chunk.length) skipLF = true
          else if (chunk[pos] === LF) pos++
        }
      }
    },
    finish() {
      if (result) return result
      // The spec discards an event cut off by the end of the stream; for a usage log the counters a provider
      // did send are worth more, so the last line and event are read as if terminated (a truncated JSON simply
      // fails to parse).
      if (lineSize > 0 || lineTooLong) endLine(EMPTY)
      dispatch()
      line = []
      result = reader.result()
      return result
    },
  }
}
