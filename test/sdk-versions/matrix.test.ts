import { type MockProvider, parseJsonBody, textDeltas } from '@byok/relay/mock-providers'
import { withTempDir } from '@byok/test-kit'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AI_SDK_FACTORIES } from '../../cli/src/codemod/mappings/ai-sdk.js'
import { DETECT_ONLY_SDKS, SDK_CLIENTS } from '../../cli/src/codemod/mappings/providers.js'
import { type RelayHarness, STORED_KEYS, startRelayHarness } from '../relay/harness.js'
import { REPORTED_ROWS, SDK_ROWS, type SdkRow, type Upstream } from './rows.js'
import { APP_FILE, APP_KEY, bundleRow, integrateRow, runRow } from './run-row.js'
import { SDK_UPSTREAMS } from './upstreams.js'

// Issue 14, cause 5: a mapping that is right for one SDK version can double or drop a path segment for another
// (groq-sdk appends /openai/v1 itself). Each row takes a README-style module for one SDK major, runs the real
// codemod on it, bundles the result for the browser with that major installed, and runs it in Node against a real
// relay whose upstreams are mocks: the provider must see its own path, the key stored on the relay and nothing else.

const CHUNKS = 3
const ANSWER = textDeltas(CHUNKS).join('')

/** The header each provider takes its key in, and the value it must carry: the user's stored key. */
const STORED_AUTH: Record<Upstream, { header: string; value: string }> = {
  openai: { header: 'authorization', value: `Bearer ${STORED_KEYS.openai}` },
  anthropic: { header: 'x-api-key', value: STORED_KEYS.anthropic },
  google: { header: 'x-goog-api-key', value: STORED_KEYS.google },
  groq: { header: 'authorization', value: `Bearer ${SDK_UPSTREAMS.groq.key}` },
  mistral: { header: 'authorization', value: `Bearer ${SDK_UPSTREAMS.mistral.key}` },
  openrouter: { header: 'authorization', value: `Bearer ${SDK_UPSTREAMS.openrouter.key}` },
  deepseek: { header: 'authorization', value: `Bearer ${SDK_UPSTREAMS.deepseek.key}` },
  xai: { header: 'authorization', value: `Bearer ${SDK_UPSTREAMS.xai.key}` },
}

let harness: RelayHarness
const outcomes: string[] = []

beforeAll(async () => {
  harness = await startRelayHarness({ chunks: CHUNKS }, SDK_UPSTREAMS)
})

afterAll(async () => {
  await harness?.close()
  console.info(`SDK × version matrix (JSON / stream):\n${outcomes.sort().join('\n')}`)
})

function mockFor(upstream: Upstream): MockProvider {
  const mock =
    upstream in harness.mocks
      ? harness.mocks[upstream as keyof RelayHarness['mocks']]
      : harness.extraMocks[upstream]
  if (!mock) throw new Error(`no mock upstream for ${upstream}`)
  return mock
}

/** `METHOD /path` of every request the provider saw for this row's calls (the marker is in each prompt). */
function seenFor(mock: MockProvider, marker: string) {
  return mock.exchanges.filter(({ request }) => request.body.toString('utf8').includes(marker))
}

function streamed(upstream: Upstream, path: string, body: Record<string, unknown> | null): boolean {
  return upstream === 'google' ? path.endsWith(':streamGenerateContent') : body?.stream === true
}

/** Two rows at a time (one per core of the CI machine); vitest would start five. */
let running = 0
const waiting: (() => void)[] = []
async function inSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve))
  running++
  try {
    return await fn()
  } finally {
    running--
    waiting.shift()?.()
  }
}

// Each row's calls are told apart by a marker in their prompts, so no row can pass on another row's requests.
describe.concurrent.each(SDK_ROWS)('$id', (row: SdkRow) => {
  it('is rewritten, then a JSON call and a streamed call reach the provider through the relay with the stored key', ({
    expect,
  }) =>
    inSlot(() =>
      withTempDir(async (dir) => {
        const started = performance.now()
        const integrated = integrateRow(dir, row.source, row.keyEnv)
        expect(integrated.file.status, JSON.stringify(integrated.manual)).toBe('modified')
        expect(integrated.file.transforms).toContain(row.transform)
        expect(integrated.after).not.toContain(row.keyEnv)

        const bundle = await bundleRow(dir, row.packages, {
          VITE_BYOK_RELAY_URL: harness.url,
          [row.keyEnv]: APP_KEY,
        })
        const marker = `row ${row.id} ${Date.now()}`
        const result = await runRow(dir, bundle, harness.token, marker)
        const mock = mockFor(row.upstream)
        const seen = seenFor(mock, marker)
        const calls = seen.map(({ request }) => `${request.method} ${request.path}`)
        const ms = Math.round(performance.now() - started)
        const jsonOk = result.json === ANSWER && calls[0] === row.expected.json
        const streamOk = result.stream?.join('') === ANSWER && calls[1] === row.expected.stream
        outcomes.push(
          `  ${row.id.padEnd(40)} ${jsonOk ? 'pass' : 'FAIL'} / ${streamOk ? 'pass' : 'FAIL'}  ${ms} ms`,
        )

        expect(result.jsonError).toBeUndefined()
        expect(result.streamError).toBeUndefined()
        expect(calls).toEqual([row.expected.json, row.expected.stream])
        expect(result.json).toBe(ANSWER)
        // Every event the mock sent arrived as its own delta: the SDK parsed a stream, not one buffered body.
        expect(result.stream).toEqual(textDeltas(CHUNKS))
        const [json, stream] = seen.map(({ request }) =>
          streamed(row.upstream, request.path, parseJsonBody(request)),
        )
        expect({ json, stream }).toEqual({ json: false, stream: true })
        const auth = STORED_AUTH[row.upstream]
        // The app only ever held its relay token: the stored key reached the provider and nothing else.
        expect(JSON.stringify(result)).not.toContain(auth.value.replace('Bearer ', ''))
        for (const { request } of seen) {
          expect(request.headers[auth.header]).toBe(auth.value)
          const wire = [request.url, JSON.stringify(request.headers), request.body.toString('utf8')].join(
            '\n',
          )
          expect(wire).not.toContain(harness.token)
          expect(wire).not.toContain(APP_KEY)
        }
      }),
    ))
})

describe.each(REPORTED_ROWS)('$id', (row) => {
  it('is left as it is and reported as manual work', () =>
    withTempDir(async (dir) => {
      const integrated = integrateRow(dir, row.source, row.keyEnv)
      expect(integrated.file.status).toBe('manual')
      expect(integrated.after).toBe(row.source)
      expect(integrated.manual.length).toBeGreaterThan(0)
      outcomes.push(
        `  ${row.id.padEnd(40)} reported as manual work (no rewrite), ${APP_FILE}:${integrated.manual[0]!.line}`,
      )
    }))
})

// A mapping added without a row would go unchecked: every SDK client and AI SDK factory the codemod knows must be
// imported, under one of its mapped names, by some row's module.
it('every SDK mapping of the codemod has a row', () => {
  const sources = [...SDK_ROWS, ...REPORTED_ROWS].map((row) => row.source)
  const imports = (module: string, name: string) =>
    sources.some((source) =>
      new RegExp(
        `^import (${name === 'default' ? '\\w+' : `\\{[^}]*\\b${name}\\b[^}]*\\}`}) from '${module}'`,
        'm',
      ).test(source),
    )
  const mappings = [
    ...Object.values(SDK_CLIENTS).flat(),
    ...DETECT_ONLY_SDKS,
    ...AI_SDK_FACTORIES.map((f) => ({ module: f.module, exports: [f.factory] })),
  ]
  const missing = mappings.filter((m) => !m.exports.some((name) => imports(m.module, name)))
  expect(missing.map((m) => `${m.module} (${m.exports.join(' | ')})`)).toEqual([])
})
