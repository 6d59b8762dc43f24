import { createRequire } from 'node:module'
import type * as undici from 'undici'

/**
 * The parts of undici the relay runs, required from their own files. undici's index also loads fetch, WebSocket,
 * EventSource, the HTTP cache and the mock agents, and adds the `request`/`stream`/`pipeline` API to every
 * dispatcher: about 6 MB of an idle relay's RSS (9 MB and 4.5 MB of heap imported on its own) for code the relay
 * never runs (issue 24's memory goal). These paths are not undici's public API, so package.json pins undici to one exact version; every relay
 * test fails at import if an upgrade moves them.
 */
const require = createRequire(import.meta.url)

/**
 * What the relay asks of a dispatcher: `dispatch` and shutting down. Without undici's index the dispatchers built
 * here have no `request()` method; use `request` below.
 */
export type UpstreamDispatcher = Pick<undici.Dispatcher, 'dispatch' | 'close' | 'destroy'>

export const Agent = require('undici/lib/dispatcher/agent.js') as new (
  options?: undici.Agent.Options,
) => UpstreamDispatcher

export const buildConnector = require('undici/lib/core/connect.js') as typeof undici.buildConnector
export type Connector = undici.buildConnector.connector

const apiRequest = require('undici/lib/api/api-request.js') as (
  this: UpstreamDispatcher,
  options: undici.Dispatcher.RequestOptions,
) => Promise<undici.Dispatcher.ResponseData>

/** undici's `request(url, options)` through `dispatcher` (never the global dispatcher). */
export function request(
  dispatcher: UpstreamDispatcher,
  url: string,
  options: Pick<undici.Dispatcher.RequestOptions, 'method' | 'headers' | 'body'>,
): Promise<undici.Dispatcher.ResponseData> {
  const { origin, pathname, search } = new URL(url)
  return apiRequest.call(dispatcher, { ...options, origin, path: `${pathname}${search}` })
}
