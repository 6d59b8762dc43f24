import { textDeltas } from '@byok/relay/mock-providers'
import OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectStoredKeyOnly, type RelayHarness, STORED_KEYS, startRelayHarness } from './harness.js'

// The official SDK with nothing changed but baseURL and apiKey (the relay token): SPEC §3.2.
describe('openai SDK through the relay', () => {
  let h: RelayHarness
  let client: OpenAI
  beforeAll(async () => {
    h = await startRelayHarness({ chunks: 4 })
    client = new OpenAI({ baseURL: `${h.url}/relay/openai/v1`, apiKey: h.token })
  })
  afterAll(() => h?.close())

  const answer = textDeltas(4).join('')
  const lastExchange = () => h.mocks.openai.exchanges.at(-1)!

  it('chat.completions.create returns the completion and its usage', async () => {
    const completion = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
    })
    expect(completion.object).toBe('chat.completion')
    expect(completion.choices[0]!.message.content).toBe(answer)
    const reported = lastExchange().response.usage!
    expect(completion.usage).toMatchObject({
      prompt_tokens: reported.inputTokens,
      completion_tokens: reported.outputTokens,
    })
    expect(lastExchange().request.path).toBe('/v1/chat/completions')
  })

  it('chat.completions.create({ stream: true }) yields every delta, then the usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      stream: true,
      stream_options: { include_usage: true },
    })
    const deltas: string[] = []
    let usage: OpenAI.CompletionUsage | null | undefined
    for await (const chunk of stream) {
      const content = chunk.choices[0]?.delta.content
      if (content) deltas.push(content)
      if (chunk.usage) usage = chunk.usage
    }
    expect(deltas).toEqual(textDeltas(4))
    expect(usage?.completion_tokens).toBe(lastExchange().response.usage!.outputTokens)
    expect(lastExchange().response.completed).toBe(true)
  })

  it('responses.create returns the response with output_text and usage', async () => {
    const response = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Say hello' })
    expect(response.object).toBe('response')
    expect(response.status).toBe('completed')
    expect(response.output_text).toBe(answer)
    expect(response.usage?.input_tokens).toBe(lastExchange().response.usage!.inputTokens)
    expect(lastExchange().request.path).toBe('/v1/responses')
  })

  it('responses.create({ stream: true }) yields the full event sequence', async () => {
    const stream = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Say hello', stream: true })
    const types: string[] = []
    const deltas: string[] = []
    let completed: OpenAI.Responses.Response | undefined
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') deltas.push(event.delta)
      if (event.type === 'response.completed') completed = event.response
    }
    expect(types).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(4).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    expect(deltas.join('')).toBe(answer)
    expect(completed?.usage?.output_tokens).toBe(lastExchange().response.usage!.outputTokens)
  })

  it('the provider saw only the stored key, never the relay token', () => {
    expect(h.mocks.openai.exchanges.map((e) => `${e.request.method} ${e.request.path}`)).toEqual([
      'POST /v1/chat/completions',
      'POST /v1/chat/completions',
      'POST /v1/responses',
      'POST /v1/responses',
    ])
    expectStoredKeyOnly(h.mocks.openai, h.token, 'authorization', `Bearer ${STORED_KEYS.openai}`)
  })

  it("a wrong stored key gets OpenAI's own 401, which the SDK surfaces as AuthenticationError", async () => {
    h.mocks.openai.settings.expectedKey = 'sk-some-other-key-0123456789abcdef'
    try {
      const error = await client.models.list().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError)
      expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key')
    } finally {
      h.mocks.openai.settings.expectedKey = STORED_KEYS.openai
    }
  })
})
