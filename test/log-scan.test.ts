import { describe, expect, it } from 'vitest'
import { captureLogOutput, logSink, noteSecret, takeLogLeaks } from './log-scan.js'

// The suite-wide scan must be able to fail: feed it lines that leak and check it says so.
describe('log scan (run after every e2e test file)', () => {
  it('finds relay tokens, connect codes, provider keys and registered secrets, without repeating them', () => {
    noteSecret('TEST_SECRET', 'shapeless-secret-value-0123')
    logSink.write('{"msg":"incoming request","req":{"path":"/relay/openai/v1/chat/completions"}}\n')
    logSink.write(`{"msg":"x","token":"byok_rt_${'a'.repeat(43)}"}\n`)
    captureLogOutput(
      '{"k":"sk-ant-api03-abcdefghijklmnopqrstuv"}\n{"k":"AIzaSyA0123456789abcdefghijklmnopqrstuv"}\n',
    )
    logSink.write('{"msg":"oops shapeless-secret-value-0123"}\n')
    logSink.write(`{"msg":"exchange","code":"byok_cc_${'b'.repeat(43)}"}\n`)
    const { scanned, leaks } = takeLogLeaks()
    expect(scanned).toBe(6)
    expect(leaks).toEqual([
      'log line 1: relay token',
      'log line 2: OpenAI-style key',
      'log line 3: Gemini key',
      'log line 4: TEST_SECRET',
      'log line 5: connect code',
    ])
    expect(takeLogLeaks()).toEqual({ scanned: 0, leaks: [] })
  })
})
