import type { MockProvider } from '@byok/relay/mock-providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type MockedProvider, type RelayHarness, startRelayHarness } from './harness.js'

interface StatsRow {
  provider: string
  model: string | null
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
}

interface Stats {
  requests: number
  errors: number
  input_tokens: number
  output_tokens: number
  by_model: StatsRow[]
}

const post = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

// One JSON and one SSE call per wire format; different prompts so every call reports different counts.
const CALLS: readonly { provider: MockedProvider; path: string; body: unknown }[] = [
  {
    provider: 'openai',
    path: '/relay/openai/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
  },
  {
    provider: 'openai',
    path: '/relay/openai/v1/chat/completions',
    body: {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Tell me a slightly longer story, please' }],
      stream: true,
      stream_options: { include_usage: true },
    },
  },
  {
    provider: 'openai',
    path: '/relay/openai/v1/responses',
    body: { model: 'gpt-4.1-mini', input: 'Hello there' },
  },
  {
    provider: 'openai',
    path: '/relay/openai/v1/responses',
    body: { model: 'gpt-4.1-mini', input: 'Hello there, streamed this time', stream: true },
  },
  {
    provider: 'anthropic',
    path: '/relay/anthropic/v1/messages',
    body: { model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'Hey' }] },
  },
  {
    provider: 'anthropic',
    path: '/relay/anthropic/v1/messages',
    body: {
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Hey, stream a reply to me' }],
      stream: true,
    },
  },
  {
    provider: 'google',
    path: '/relay/google/v1beta/models/gemini-2.5-flash:generateContent',
    body: { contents: [{ role: 'user', parts: [{ text: 'Yo' }] }] },
  },
  {
    provider: 'google',
    path: '/relay/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    body: { contents: [{ role: 'user', parts: [{ text: 'Yo, and keep streaming a while' }] }] },
  },
]

/** What the mocks reported, summed per provider and model, in the order GET /stats sorts its rows. */
function expectedRows(mocks: Readonly<Record<MockedProvider, MockProvider>>): StatsRow[] {
  const rows = new Map<string, StatsRow>()
  for (const [provider, mock] of Object.entries(mocks)) {
    for (const { response } of mock.exchanges) {
      const usage = response.usage!
      const key = `${provider}\u0000${usage.model}`
      const row = rows.get(key) ?? {
        provider,
        model: usage.model,
        requests: 0,
        errors: 0,
        input_tokens: 0,
        output_tokens: 0,
      }
      row.requests += 1
      row.input_tokens += usage.inputTokens
      row.output_tokens += usage.outputTokens
      rows.set(key, row)
    }
  }
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row)
}

describe('GET /stats adds up what the providers reported (SPEC §3.3, §3.8)', () => {
  let h: RelayHarness
  beforeAll(async () => {
    h = await startRelayHarness({ chunks: 5 })
  })
  afterAll(() => h?.close())

  it('input/output tokens per provider/model equal the sums of the mocks’ usage numbers', async () => {
    for (const [i, call] of CALLS.entries()) {
      h.mocks[call.provider].settings.chunks = 3 + i // a different output count for every call
      const response = await h.fetch(call.path, post(call.body))
      expect(response.status, await response.clone().text()).toBe(200)
      await response.arrayBuffer() // read to the end: usage arrives in the last SSE events
    }
    for (const mock of Object.values(h.mocks)) {
      expect(mock.exchanges.every((e) => e.response.completed && e.response.usage !== null)).toBe(true)
    }

    // The request log is written when each response closes; poll briefly instead of racing it.
    let stats: Stats | undefined
    for (let attempt = 0; attempt < 100; attempt++) {
      const response = await h.fetch('/stats')
      expect(response.status).toBe(200)
      stats = (await response.json()) as Stats
      if (stats.requests >= CALLS.length) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }

    const expected = expectedRows(h.mocks)
    expect(expected.map((r) => `${r.provider}/${r.model}`)).toEqual([
      'anthropic/claude-haiku-4-5',
      'google/gemini-2.5-flash',
      'openai/gpt-4.1-mini',
      'openai/gpt-4o-mini',
    ])
    expect(stats!.by_model).toEqual(expected)
    expect(stats).toMatchObject({
      requests: CALLS.length,
      errors: 0,
      input_tokens: expected.reduce((n, r) => n + r.input_tokens, 0),
      output_tokens: expected.reduce((n, r) => n + r.output_tokens, 0),
    })
    console.log(
      '[usage-stats] by_model:',
      stats!.by_model.map(
        (r) => `${r.provider}/${r.model} ${r.requests} req, ${r.input_tokens} in, ${r.output_tokens} out`,
      ),
    )
  })

  it('a stream cut mid-way counts as an error, keeping the model and tokens the provider did send', async () => {
    const before = (await (await h.fetch('/stats')).json()) as Stats
    const mock = h.mocks.anthropic
    mock.settings.chunks = 10
    mock.settings.cutAfter = 5
    try {
      const response = await h.fetch(
        '/relay/anthropic/v1/messages',
        post({
          model: 'claude-haiku-4-5',
          max_tokens: 64,
          messages: [{ role: 'user', content: 'Cut me off' }],
          stream: true,
        }),
      )
      await response.arrayBuffer()
    } finally {
      mock.settings.cutAfter = undefined
    }
    let after: Stats | undefined
    for (let attempt = 0; attempt < 100; attempt++) {
      after = (await (await h.fetch('/stats')).json()) as Stats
      if (after.requests > before.requests) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const row = (s: Stats) =>
      s.by_model.find((r) => r.provider === 'anthropic' && r.model === 'claude-haiku-4-5')!
    expect(after!.requests).toBe(before.requests + 1)
    expect(after!.errors).toBe(before.errors + 1)
    // message_start (model, input tokens) was relayed before the cut, so the log has them.
    expect(row(after!).errors).toBe(row(before).errors + 1)
    expect(row(after!).input_tokens).toBeGreaterThan(row(before).input_tokens)
  })
})
