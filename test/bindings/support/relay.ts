import { type ClientRelay, startClientRelay } from '../../client/harness.js'
import { toolCallingWire } from './tool-mocks.js'

export { USER_ANTHROPIC_KEY, USER_GEMINI_KEY, USER_KEY } from '../../client/harness.js'

/** A well-shaped key OpenAI refuses (401): what a user who mistyped or revoked a key has stored. */
export const WRONG_OPENAI_KEY = 'sk-proj-RevokedUserKey0123456789abcdefgh'

/**
 * The client tests' relay (real relay on 127.0.0.1, limits off) answering browsers from `allowedOrigins`, in front
 * of OpenAI, Anthropic and Gemini mocks that also answer tool calls, streaming `chunks` deltas `delayMs` apart.
 */
export function startBindingsRelay(options: {
  allowedOrigins: readonly string[]
  stream: { chunks: number; delayMs: number }
}): Promise<ClientRelay> {
  return startClientRelay(
    options.stream,
    { ALLOWED_ORIGINS: options.allowedOrigins.join(',') },
    {
      openai: toolCallingWire('openai'),
      anthropic: toolCallingWire('anthropic'),
      google: toolCallingWire('google'),
    },
  )
}
