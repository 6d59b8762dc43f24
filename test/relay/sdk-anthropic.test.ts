import Anthropic from '@anthropic-ai/sdk'
import { textDeltas } from '@byok/relay/mock-providers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectStoredKeyOnly, type RelayHarness, STORED_KEYS, startRelayHarness } from './harness.js'

// The official SDK with nothing changed but baseURL and apiKey (the relay token, sent as x-api-key): SPEC §3.2.
describe('@anthropic-ai/sdk through the relay', () => {
  let h: RelayHarness
  let client: Anthropic
  beforeAll(async () => {
    h = await startRelayHarness({ chunks: 5 })
    client = new Anthropic({ baseURL: `${h.url}/relay/anthropic`, apiKey: h.token })
  })
  afterAll(() => h?.close())

  const answer = textDeltas(5).join('')
  const lastExchange = () => h.mocks.anthropic.exchanges.at(-1)!
  const params = {
    model: 'claude-haiku-4-5',
    max_tokens: 256,
    messages: [{ role: 'user' as const, content: 'Say hello' }],
  }

  it('messages.create returns the message and its usage', async () => {
    const message = await client.messages.create(params)
    expect(message.type).toBe('message')
    expect(message.content).toEqual([{ type: 'text', text: answer }])
    const reported = lastExchange().response.usage!
    expect(message.usage).toMatchObject({
      input_tokens: reported.inputTokens,
      output_tokens: reported.outputTokens,
    })
  })

  it('messages.create({ stream: true }) yields the exact event sequence (ping is consumed by the SDK)', async () => {
    const stream = await client.messages.create({ ...params, stream: true })
    const types: string[] = []
    const deltas: string[] = []
    let outputTokens: number | undefined
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta')
        deltas.push(event.delta.text)
      if (event.type === 'message_delta') outputTokens = event.usage.output_tokens
    }
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      ...Array(5).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ])
    expect(deltas).toEqual(textDeltas(5))
    expect(outputTokens).toBe(lastExchange().response.usage!.outputTokens)
    // The mock did send the ping: the SDK skips it, the relay does not drop it.
    expect(lastExchange().response.writes.some((w) => w.bytes.toString().startsWith('event: ping\n'))).toBe(
      true,
    )
  })

  it('messages.stream() accumulates the final message', async () => {
    const stream = client.messages.stream(params)
    const texts: string[] = []
    stream.on('text', (text) => texts.push(text))
    const message = await stream.finalMessage()
    expect(texts.join('')).toBe(answer)
    expect(message.content).toMatchObject([{ type: 'text', text: answer }])
    expect(message.usage.output_tokens).toBe(lastExchange().response.usage!.outputTokens)
  })

  it('the provider saw x-api-key: <stored key> and anthropic-version, and no other credential', () => {
    expect(h.mocks.anthropic.exchanges).toHaveLength(3)
    expectStoredKeyOnly(h.mocks.anthropic, h.token, 'x-api-key', STORED_KEYS.anthropic)
    for (const { request } of h.mocks.anthropic.exchanges) {
      expect(request.path).toBe('/v1/messages')
      expect(request.headers.authorization).toBeUndefined()
      expect(request.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    }
  })

  it("a wrong stored key gets Anthropic's own 401, which the SDK surfaces as AuthenticationError", async () => {
    h.mocks.anthropic.settings.expectedKey = 'sk-ant-some-other-key-0123456789'
    try {
      const error = await client.models.list().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError)
      expect((error as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
        type: 'error',
        error: { type: 'authentication_error' },
      })
    } finally {
      h.mocks.anthropic.settings.expectedKey = STORED_KEYS.anthropic
    }
  })
})
