// Turns whatever went wrong into one sentence a user can act on, with the remedy: start the relay, wait for a
// limit to reset, add or replace the key, pick another model. What went wrong is read in ./chat (ChatError).

import { ChatError } from './chat'
import { providerInfo } from './providers'

/** What the UI shows: a sentence, and what a retry or the key dialog would fix. */
export interface Failure {
  kind: 'key-missing' | 'key-rejected' | 'unreachable' | 'rate-limited' | 'provider' | 'relay' | 'stream'
  text: string
}

export interface FailureContext {
  provider: string
  model: string
  relayUrl: string
}

function isLoopback(url: string): boolean {
  try {
    return /^(127\.|localhost$|\[::1\]$)/.test(new URL(url).hostname)
  } catch {
    return false
  }
}

function per(windowSeconds: number): string {
  if (windowSeconds === 60) return 'a minute'
  if (windowSeconds === 3600) return 'an hour'
  if (windowSeconds === 86400) return 'a day'
  return `${windowSeconds} seconds`
}

function inSeconds(s: number | undefined): string {
  if (s === undefined) return 'in a moment'
  if (s < 90) return `in ${s} second${s === 1 ? '' : 's'}`
  return `in ${Math.ceil(s / 60)} minutes`
}

const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`)

/** One sentence with a remedy for any error a relay call can end in. */
export function describeFailure(error: unknown, ctx: FailureContext): Failure {
  const name = providerInfo(ctx.provider).name
  if (!(error instanceof ChatError)) {
    // fetch rejects with a TypeError when nothing answers, or when CORS blocks the answer: the page cannot tell.
    const start = isLoopback(ctx.relayUrl)
      ? ' Start it with npx byok dev, then retry.'
      : ' Check your connection, then retry.'
    return {
      kind: 'unreachable',
      text: `Can't reach the relay at ${ctx.relayUrl}.${start} If it is running, check that its ALLOWED_ORIGINS includes ${globalThis.location?.origin ?? 'this page'}.`,
    }
  }
  if (error.source === 'stream') {
    return { kind: 'stream', text: `The reply broke off: ${sentence(error.message)} Retry to ask again.` }
  }
  if (error.source === 'relay') {
    if (error.code === 'key_missing') {
      return { kind: 'key-missing', text: `Add your ${name} API key to send messages.` }
    }
    if (error.code === 'rate_limited') {
      const limit = error.policy
        ? `this app's limit of ${error.policy.limit} requests ${per(error.policy.windowSeconds)}`
        : "this app's request limit"
      return {
        kind: 'rate-limited',
        text: `You've reached ${limit}. You can send again ${inSeconds(error.retryAfter)}.`,
      }
    }
    if (error.code === 'model_forbidden') {
      return {
        kind: 'relay',
        text: `This app doesn't allow the model ${ctx.model}. Pick another model and retry.`,
      }
    }
    return {
      kind: 'relay',
      text: `${sentence(error.message)}${error.hint ? ` ${sentence(error.hint)}` : ''}`,
    }
  }
  // The provider's own answer, passed through by the relay.
  if (error.status === 401 || error.status === 403) {
    return { kind: 'key-rejected', text: `${name} didn't accept your key: ${sentence(error.message)}` }
  }
  if (error.status === 429) {
    return {
      kind: 'rate-limited',
      text: `${name} is rate limiting your key: ${sentence(error.message)} Try again ${inSeconds(error.retryAfter)}.`,
    }
  }
  if (error.status === 404 || error.status === 400) {
    return {
      kind: 'provider',
      text: `${name} said: ${sentence(error.message)} Check the model name (${ctx.model}) and retry.`,
    }
  }
  if (error.status >= 500) {
    return {
      kind: 'provider',
      text: `${name} is having trouble: ${sentence(error.message)} Retry in a moment.`,
    }
  }
  return { kind: 'provider', text: `${name} said: ${sentence(error.message)}` }
}
