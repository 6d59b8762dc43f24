import { textDeltas } from '@byok/relay/mock-providers'
import { GoogleGenAI } from '@google/genai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectStoredKeyOnly, type RelayHarness, STORED_KEYS, startRelayHarness } from './harness.js'

// The official SDK with nothing changed but apiKey (the relay token, sent as x-goog-api-key) and baseUrl: SPEC §3.2.
// @google/genai builds `<baseUrl>/<apiVersion>/models/<model>:<method>` with apiVersion v1beta by default
// (ApiClient.getRequestUrlInternal), so the relay sees /relay/google/v1beta/models/….
describe('@google/genai through the relay', () => {
  let h: RelayHarness
  let ai: GoogleGenAI
  beforeAll(async () => {
    h = await startRelayHarness({ chunks: 4 })
    ai = new GoogleGenAI({ apiKey: h.token, httpOptions: { baseUrl: `${h.url}/relay/google` } })
  })
  afterAll(() => h?.close())

  const answer = textDeltas(4).join('')
  const lastExchange = () => h.mocks.google.exchanges.at(-1)!

  it('models.generateContent returns the text and usage metadata', async () => {
    const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello' })
    expect(response.text).toBe(answer)
    expect(response.modelVersion).toBe('gemini-2.5-flash')
    const reported = lastExchange().response.usage!
    expect(response.usageMetadata).toMatchObject({
      promptTokenCount: reported.inputTokens,
      candidatesTokenCount: reported.outputTokens,
    })
    expect(lastExchange().request.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
  })

  it('models.generateContentStream yields every chunk; the last one carries usage', async () => {
    const stream = await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Say hello' })
    const texts: string[] = []
    let outputTokens: number | undefined
    for await (const chunk of stream) {
      texts.push(chunk.text ?? '')
      if (chunk.usageMetadata) outputTokens = chunk.usageMetadata.candidatesTokenCount
    }
    expect(texts).toEqual(textDeltas(4))
    expect(outputTokens).toBe(lastExchange().response.usage!.outputTokens)
    const { request } = lastExchange()
    expect(request.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent')
    expect(request.query.get('alt')).toBe('sse')
  })

  it('the provider saw x-goog-api-key: <stored key> and no key in the query string', () => {
    expect(h.mocks.google.exchanges).toHaveLength(2)
    expectStoredKeyOnly(h.mocks.google, h.token, 'x-goog-api-key', STORED_KEYS.google)
    for (const { request } of h.mocks.google.exchanges) {
      expect(request.query.has('key')).toBe(false)
      expect(request.headers.authorization).toBeUndefined()
    }
  })

  it('a key the client puts in ?key= is stripped, never forwarded', async () => {
    const response = await h.fetch(
      `/relay/google/v1beta/models/gemini-2.5-flash:generateContent?key=${h.token}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] }),
      },
    )
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect(lastExchange().request.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent')
    expectStoredKeyOnly(h.mocks.google, h.token, 'x-goog-api-key', STORED_KEYS.google)
  })

  it("a wrong stored key gets Google's own 401 error, which the SDK surfaces", async () => {
    h.mocks.google.settings.expectedKey = `AIza${'x'.repeat(35)}`
    try {
      const error = await ai.models
        .generateContent({ model: 'gemini-2.5-flash', contents: 'Hi' })
        .catch((e) => e)
      expect(error).toBeInstanceOf(Error)
      expect(String((error as Error).message)).toContain('API key not valid')
      expect((error as { status?: number }).status).toBe(401)
    } finally {
      h.mocks.google.settings.expectedKey = STORED_KEYS.google
    }
  })
})
