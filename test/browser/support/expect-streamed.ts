import type { MockExchange } from '@byok/relay/mock-providers'
import type { Page } from 'playwright-core'
import { expect } from 'vitest'
import { readPartialTexts } from './page-watch.js'
import { readStreamEnd } from './relay.js'

/**
 * The reply reached the DOM as at least two growing prefixes of `final` while the provider was still sending it:
 * streamed token by token through the relay and the page, not buffered anywhere on the way.
 */
export async function expectStreamedReply(
  page: Page,
  final: string,
  exchange: MockExchange | undefined,
): Promise<void> {
  const partials = await readPartialTexts(page, final)
  const streamEnd = readStreamEnd(exchange)
  const early = partials.filter((change) => change.at < streamEnd)
  expect(
    early.length,
    `partial replies shown before the provider finished: ${early.length} of ${partials.length} (${partials.map((p) => JSON.stringify(p.text)).join(', ')})`,
  ).toBeGreaterThanOrEqual(2)
}
