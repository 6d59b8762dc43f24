// Turns whatever went wrong into one sentence a user can act on, with the remedy: start the relay, wait for a
// limit to reset, add or replace the key, pick another model. The errors come from @byok/client (ByokError).

import { ByokError } from '@byok/client'
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

const sentence = (text: string) => (/[.!?]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`)

/** One sentence with a remedy for any error a relay call can end in. */
export function describeFailure(error: unknown, ctx: FailureContext): Failure {
  const name = providerInfo(ctx.provider).name
  if (!(error instanceof ByokError) || error.code === 'relay_unreachable') {
    // fetch rejects alike when nothing answers and when CORS blocks the answer: the page cannot tell them apart.
    const start = isLoopback(ctx.relayUrl)
      ? ' Start it with npx byok dev, then retry.'
      : ' Check your connection, then retry.'
    return {
      kind: 'unreachable',
      text: `Can't reach the relay at ${ctx.relayUrl}.${start} If it is running, check that its ALLOWED_ORIGINS includes ${globalThis.location?.origin ?? 'this page'}.`,
    }
  }
  switch (error.code) {
    case 'key_missing':
      return { kind: 'key-missing', text: `Add your ${name} API key to send messages.` }
    case 'rate_limited':
      // The client words it: which limit, and when it resets.
      return { kind: 'rate-limited', text: sentence(error.message) }
    case 'budget_exceeded':
      return { kind: 'rate-limited', text: describeBudgetExceeded(error.message) }
    case 'model_forbidden':
      return {
        kind: 'relay',
        text: `This app doesn't allow the model ${ctx.model}. Pick another model and retry.`,
      }
    case 'stream_failed':
      return { kind: 'stream', text: `The reply broke off: ${sentence(error.message)} Retry to ask again.` }
    case 'provider_error':
      return describeProviderError(error, name, ctx)
    default:
      return {
        kind: 'relay',
        text: `${sentence(error.message)}${error.hint ? ` ${sentence(error.hint)}` : ''}`,
      }
  }
}

/**
 * The relay says which budget and when it resets ("Budget … exceeded: 3 of 3 requests per month for all providers
 * used; it resets at 2030-02-01T00:00:00.000Z"); an operator's budget for this app is one the user cannot raise.
 */
function describeBudgetExceeded(message: string): string {
  const what = /exceeded: (.+?) used\b/.exec(message)?.[1]
  const at = /resets at (\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(message)?.[1]
  const resets = at
    ? new Date(at).toLocaleString('en-US', {
        month: 'short',
        day: 'numeric',
        hour: '2-digit',
        minute: '2-digit',
        timeZone: 'UTC',
        timeZoneName: 'short',
      })
    : undefined
  const operator = /^App budget/.test(message)
  const head = operator ? "This app's spending limit for you is used up" : 'Your spending cap is used up'
  const when = resets ? ` It resets on ${resets}.` : ''
  const remedy = operator ? '' : ' Raise or remove the cap under Keys to continue now.'
  return `${head}${what ? ` (${what})` : ''}.${when}${remedy}`
}

/** The provider's own words (the client prefixes "<Provider> answered <status>: "), with what to do about them. */
function describeProviderError(error: ByokError, name: string, ctx: FailureContext): Failure {
  const said = sentence(error.message.replace(/^.*? answered \d+: /, ''))
  if (error.status === 401 || error.status === 403) {
    return { kind: 'key-rejected', text: `${name} didn't accept your key: ${said}` }
  }
  if (error.status === 429) {
    const when =
      error.retryAfter === undefined ? 'Wait a moment' : `Try again in ${waitFor(error.retryAfter)}`
    return { kind: 'rate-limited', text: `${name} is rate limiting your key: ${said} ${when}, then retry.` }
  }
  if (error.status === 400 || error.status === 404) {
    return { kind: 'provider', text: `${name} said: ${said} Check the model name (${ctx.model}) and retry.` }
  }
  if (error.status >= 500)
    return { kind: 'provider', text: `${name} is having trouble: ${said} Retry in a moment.` }
  return { kind: 'provider', text: `${name} said: ${said}` }
}

/** Seconds as a reader would say them: "20 s", "3 min", "1.5 h". */
function waitFor(seconds: number): string {
  if (seconds < 90) return `${seconds} s`
  const minutes = Math.ceil(seconds / 60)
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`
}
