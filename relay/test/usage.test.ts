import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createUsageTap, MAX_KEPT_BYTES, type Usage } from '../src/proxy/usage.js'

const SSE = 'text/event-stream; charset=utf-8'
const JSON_TYPE = 'application/json; charset=UTF-8'
const NONE: Usage = { inputTokens: null, outputTokens: null, model: null }
const SEEDS = [1, 7, 42, 1337, 20250101]

function fixturesDir(...parts: string[]): string {
  return join(fileURLToPath(new URL('./fixtures/usage/', import.meta.url)), ...parts)
}

interface Fixture {
  name: string
  contentType: string
  body: Buffer
  expected: Usage
}

/** One folder per scenario: `response.sse` or `response.json` (the upstream body) beside `expected.json`. */
function loadFixtures(): Fixture[] {
  return readdirSync(fixturesDir(), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(({ name }) => {
      const files = readdirSync(fixturesDir(name))
      const file = files.find((f) => f.startsWith('response.'))
      if (!file) throw new Error(`fixture ${name} has no response.* file`)
      return {
        name,
        contentType: file.endsWith('.sse') ? SSE : JSON_TYPE,
        body: readFileSync(fixturesDir(name, file)),
        expected: JSON.parse(readFileSync(fixturesDir(name, 'expected.json'), 'utf8')) as Usage,
      }
    })
}

function run(contentType: string | undefined, chunks: Buffer[]): Usage {
  const tap = createUsageTap(contentType)
  for (const chunk of chunks) tap.write(chunk)
  return tap.finish()
}

function splitEvery(body: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = []
  for (let at = 0; at < body.length; at += size) chunks.push(body.subarray(at, at + size))
  return chunks
}

/** mulberry32: a tiny seeded PRNG, so a failing split can be replayed. */
function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Random cut points, including the odd empty chunk, the way sockets and proxies deliver them. */
function splitRandom(body: Buffer, seed: number): Buffer[] {
  const random = createRandom(seed)
  const chunks: Buffer[] = []
  let at = 0
  while (at < body.length) {
    const size = random() < 0.05 ? 0 : 1 + Math.floor(random() * 97)
    chunks.push(body.subarray(at, at + size))
    at += size
  }
  return chunks
}

function withLineEndings(body: Buffer, eol: string): Buffer {
  return Buffer.from(body.toString('latin1').replace(/\r\n|\r|\n/g, eol), 'latin1')
}

function sse(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\n'))
}

function readGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

/**
 * Growth of Buffer memory while `feed` runs, the tap still alive. V8 frees ArrayBuffer backing stores on a
 * background sweeper, so the count settles over a few collections and ticks; hence the coarse bound below.
 */
async function externalGrowth(feed: () => void): Promise<number> {
  const gc = readGc()
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      gc()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return process.memoryUsage().arrayBuffers
  }
  const before = await settle()
  feed()
  return (await settle()) - before
}

/** 64 MiB in 64 KiB chunks, each its own memory: a tap that kept them all would grow by 64 MiB. */
function writeFlood(tap: { write(chunk: Buffer): void }): void {
  for (let i = 0; i < 1024; i++) tap.write(Buffer.alloc(65_536, 0x61))
}

const GROWTH_BOUND = 4 * MAX_KEPT_BYTES

const fixtures = loadFixtures()

describe('usage tap fixtures', () => {
  it('covers the four provider formats as both SSE and JSON', () => {
    const names = fixtures.map((f) => f.name)
    for (const prefix of ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini']) {
      expect(names).toContain(`${prefix}-sse`)
      expect(names).toContain(`${prefix}-json`)
    }
  })

  describe.each(fixtures)('$name', ({ contentType, body, expected }) => {
    it('reads the whole body', () => {
      expect(run(contentType, [body])).toEqual(expected)
    })

    it('reads 1-byte chunks', () => {
      expect(run(contentType, splitEvery(body, 1))).toEqual(expected)
    })

    it.each(SEEDS)('reads random chunks (seed %i)', (seed) => {
      expect(run(contentType, splitRandom(body, seed))).toEqual(expected)
    })
  })

  describe.each(fixtures.filter((f) => f.contentType === SSE))('$name line endings', ({ body, expected }) => {
    it.each([
      ['LF', '\n'],
      ['CRLF', '\r\n'],
      ['CR', '\r'],
    ])('reads %s, whole, bytewise and random', (_label, eol) => {
      const converted = withLineEndings(body, eol)
      expect(run(SSE, [converted])).toEqual(expected)
      expect(run(SSE, splitEvery(converted, 1))).toEqual(expected)
      for (const seed of SEEDS) expect(run(SSE, splitRandom(converted, seed))).toEqual(expected)
    })
  })
})

describe('createUsageTap content types', () => {
  const openAiJson = Buffer.from('{"model":"gpt-4o","usage":{"prompt_tokens":3,"completion_tokens":4}}')
  const openAiSse = Buffer.from(`data: ${openAiJson}\n\n`)
  const found: Usage = { inputTokens: 3, outputTokens: 4, model: 'gpt-4o' }

  it.each([
    'application/json',
    'Application/JSON; charset=utf-8',
    'application/problem+json',
    'application/vnd.api+json ; charset=utf-8',
  ])('parses %s as JSON', (type) => {
    expect(run(type, [openAiJson])).toEqual(found)
  })

  it.each(['text/event-stream', 'TEXT/EVENT-STREAM;charset=UTF-8'])('parses %s as SSE', (type) => {
    expect(run(type, [openAiSse])).toEqual(found)
  })

  it.each([
    undefined,
    '',
    'text/plain',
    'application/octet-stream',
    'audio/mpeg',
    'application/jsonl',
    'application/x-ndjson',
    'text/html; charset=utf-8',
  ])('records nothing for %s', (type) => {
    expect(run(type, [openAiJson, openAiSse])).toEqual(NONE)
  })
})

describe('JSON tap', () => {
  const big = (padding: number): Buffer =>
    Buffer.from(
      `{"model":"gpt-4o","pad":"${'x'.repeat(padding)}","usage":{"prompt_tokens":1,"completion_tokens":2}}`,
    )

  it('reads a body of exactly the limit and gives up one byte past it', () => {
    const overhead = big(0).length
    const atLimit = big(MAX_KEPT_BYTES - overhead)
    expect(atLimit.length).toBe(MAX_KEPT_BYTES)
    expect(run(JSON_TYPE, splitEvery(atLimit, 65_536)).inputTokens).toBe(1)
    expect(run(JSON_TYPE, splitEvery(big(MAX_KEPT_BYTES - overhead + 1), 65_536))).toEqual(NONE)
  })

  it('keeps bounded memory for a body far past the limit', async () => {
    const tap = createUsageTap(JSON_TYPE)
    tap.write(Buffer.from('{"pad":"'))
    expect(await externalGrowth(() => writeFlood(tap))).toBeLessThan(GROWTH_BOUND)
    tap.write(Buffer.from('","usage":{"input_tokens":1,"output_tokens":2}}'))
    expect(tap.finish()).toEqual(NONE)
  })

  it('copies chunks, so a caller reusing its buffer cannot corrupt what was kept', () => {
    const tap = createUsageTap(JSON_TYPE)
    const chunk = Buffer.from('{"model":"claude-opus-4-1","usage":{"input_tokens":5,"output_tokens":6}}')
    tap.write(chunk)
    chunk.fill(0x20)
    expect(tap.finish()).toEqual({ inputTokens: 5, outputTokens: 6, model: 'claude-opus-4-1' })
  })

  it.each([
    ['an empty body', ''],
    ['a truncated body', '{"model":"gpt-4o","usage":{"prompt_tokens":3,"completion_'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['JSON null', 'null'],
    ['a bare number', '42'],
    ['an error object', '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}'],
    [
      'counters of the wrong type',
      '{"usage":{"prompt_tokens":"12","completion_tokens":-1,"input_tokens":1.5}}',
    ],
    ['invalid UTF-8', '\u00ff\u00fe{'],
  ])('returns nulls for %s without throwing', (_label, text) => {
    expect(run(JSON_TYPE, [Buffer.from(text, text.startsWith('\u00ff') ? 'latin1' : 'utf8')])).toEqual(NONE)
  })

  it('accepts a leading byte-order mark', () => {
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"model":"m","usage":{"input_tokens":1}}'),
    ])
    expect(run(JSON_TYPE, splitEvery(body, 1))).toEqual({ inputTokens: 1, outputTokens: null, model: 'm' })
  })

  it('returns the same result when finish is called twice', () => {
    const tap = createUsageTap(JSON_TYPE)
    tap.write(Buffer.from('{"model":"m","usage":{"input_tokens":1,"output_tokens":2}}'))
    const first = tap.finish()
    expect(tap.finish()).toEqual(first)
  })
})

describe('SSE tap', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('parses only events that can carry usage or a model, and never [DONE]', () => {
    const parse = vi.spyOn(JSON, 'parse')
    const anthropic = fixtures.find((f) => f.name === 'anthropic-messages-sse-cache')!
    run(SSE, [anthropic.body])
    // message_start and message_delta; thinking and text deltas, pings and stops are not parsed. (A delta whose
    // text says "usage" is parsed and yields nothing: anthropic-messages-sse has one.)
    expect(parse).toHaveBeenCalledTimes(2)

    parse.mockClear()
    const openAi = fixtures.find((f) => f.name === 'openai-chat-sse')!
    run(SSE, [openAi.body])
    expect(parse.mock.calls.map(([text]) => text)).not.toContain('[DONE]')
  })

  it('lets later events overwrite counters field by field, never with null', () => {
    const body = sse(
      'data: {"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":1}}',
      '',
      'data: {"model":"gpt-4o","usage":null}',
      '',
      'data: {"usage":{"prompt_tokens":null,"completion_tokens":7}}',
      '',
      '',
    )
    expect(run(SSE, [body])).toEqual({ inputTokens: 10, outputTokens: 7, model: 'gpt-4o' })
  })

  it('lets input_tokens in a later Anthropic message_delta win over message_start', () => {
    const body = sse(
      'event: message_start',
      'data: {"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":10,"cache_read_input_tokens":100,"output_tokens":1}}}',
      '',
      'event: message_delta',
      'data: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":12,"output_tokens":30}}',
      '',
      '',
    )
    // input 12 from the delta, plus the cache read that only message_start reported.
    expect(run(SSE, [body])).toEqual({ inputTokens: 112, outputTokens: 30, model: 'claude-sonnet-4-5' })
  })

  it('joins the data lines of one event with a newline and ignores other fields and comments', () => {
    const body = sse(
      ': OPENROUTER PROCESSING',
      'event: chunk',
      'id: 7',
      'retry: 1000',
      'dataX: {"model":"wrong"}',
      'data:{"model":"mistral-large-latest",',
      'data',
      'data: "usage":{"prompt_tokens":5,"completion_tokens":9}}',
      '',
      '',
    )
    expect(run(SSE, splitEvery(body, 1))).toEqual({
      inputTokens: 5,
      outputTokens: 9,
      model: 'mistral-large-latest',
    })
  })

  it('treats a CRLF split between chunks as one line ending', () => {
    // Were "\r" and "\n" two endings, the blank line between them would cut the event in half.
    const chunks = [
      'data: {"model":"gpt-4o-mini",\r',
      '\ndata: "usage":{"prompt_tokens":1,"completion_tokens":2}}\r',
      '\n\r',
      '\n',
    ].map((s) => Buffer.from(s))
    expect(run(SSE, chunks)).toEqual({ inputTokens: 1, outputTokens: 2, model: 'gpt-4o-mini' })
  })

  it('treats a lone CR at the end of a chunk as a line ending when no LF follows', () => {
    const chunks = [
      'data: {"model":"a","usage":{"input_tokens":1}}\r',
      '\r',
      'data: {"usage":{"output_tokens":2}}\r\r',
    ]
    expect(
      run(
        SSE,
        chunks.map((s) => Buffer.from(s)),
      ),
    ).toEqual({ inputTokens: 1, outputTokens: 2, model: 'a' })
  })

  it('decodes a data line split inside a multi-byte UTF-8 character', () => {
    const body = Buffer.from(
      'data: {"model":"ft:gpt-4o-mini:café-🚀::A1b2","usage":{"prompt_tokens":3,"completion_tokens":4}}\n\n',
    )
    const expected: Usage = { inputTokens: 3, outputTokens: 4, model: 'ft:gpt-4o-mini:café-🚀::A1b2' }
    for (const char of ['é', '🚀']) {
      const start = body.indexOf(char)
      for (let cut = start + 1; cut < start + Buffer.byteLength(char); cut++) {
        expect(run(SSE, [body.subarray(0, cut), body.subarray(cut)])).toEqual(expected)
      }
    }
  })

  it('reads a final event that the stream ends without a blank line', () => {
    expect(
      run(SSE, [Buffer.from('data: {"model":"m","usage":{"input_tokens":1,"output_tokens":2}}')]),
    ).toEqual({
      inputTokens: 1,
      outputTokens: 2,
      model: 'm',
    })
  })

  it('skips a malformed event and keeps reading', () => {
    const body = sse(
      'data: {"model":"gpt-4o","usage":{"prompt_tokens":',
      '',
      'data: {not json, but mentions usage}',
      '',
      'data: {"model":"gpt-4o","usage":{"prompt_tokens":8,"completion_tokens":2}}',
      '',
      '',
    )
    expect(run(SSE, [body])).toEqual({ inputTokens: 8, outputTokens: 2, model: 'gpt-4o' })
  })

  it.each([
    ['a truncated final event', 'data: {"model":"gpt-4o","usage":{"prompt_tokens":8'],
    ['only a [DONE]', 'data: [DONE]\n\n'],
    ['an empty stream', ''],
    [
      'an Anthropic error event',
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error"}}\n\n',
    ],
  ])('returns nulls for %s', (_label, text) => {
    expect(run(SSE, [Buffer.from(text)])).toEqual(NONE)
  })

  it.each(SEEDS)('never throws on random bytes (seed %i)', (seed) => {
    const random = createRandom(seed)
    const noise = Buffer.from(Array.from({ length: 20_000 }, () => Math.floor(random() * 256)))
    expect(() => run(SSE, splitRandom(noise, seed))).not.toThrow()
    expect(() => run(JSON_TYPE, splitRandom(noise, seed))).not.toThrow()
  })

  it('drops a line past the limit, with bounded memory, and reads the events after it', async () => {
    const tap = createUsageTap(SSE)
    tap.write(Buffer.from('data: {"model":"huge","usage":{"input_tokens":999},"pad":"'))
    // Measured before the line ends: the bound must hold while the line is still arriving.
    expect(await externalGrowth(() => writeFlood(tap))).toBeLessThan(GROWTH_BOUND)
    tap.write(Buffer.from('"}\n\n'))
    tap.write(Buffer.from('data: {"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n'))
    expect(tap.finish()).toEqual({ inputTokens: 1, outputTokens: 2, model: 'gpt-4o' })
  })

  it('drops an event whose data lines add up past the limit', () => {
    // Valid JSON once joined, each line under the limit: only the cap on the whole event can drop it.
    const pad = `data: "${'x'.repeat(MAX_KEPT_BYTES / 2)}",`
    const body = sse(
      'data: {"model":"huge","usage":{"input_tokens":1},"pad":[',
      pad,
      pad,
      'data: "x"]}',
      '',
      '',
    )
    expect(run(SSE, splitEvery(body, 65_536))).toEqual(NONE)
  })

  it('ignores a byte-order mark before the first line', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), sse('data: {"model":"m"}', '', '')])
    expect(run(SSE, splitEvery(body, 1))).toEqual({ inputTokens: null, outputTokens: null, model: 'm' })
  })

  it('ignores writes after finish', () => {
    const tap = createUsageTap(SSE)
    tap.write(sse('data: {"model":"m"}', '', ''))
    expect(tap.finish().model).toBe('m')
    tap.write(sse('data: {"model":"other","usage":{"input_tokens":1}}', '', ''))
    expect(tap.finish()).toEqual({ inputTokens: null, outputTokens: null, model: 'm' })
  })
})
