/**
 * A provider is data. Every difference between providers is a field here; handlers never branch on an id.
 */
export interface ProviderSpec {
  /** Registry id, used in routes (`/keys/:provider`, `/relay/:provider/*`) and in `<ID>_BASE_URL`. */
  readonly id: string
  readonly name: string
  /** Origin plus optional path prefix; the forwarded path is appended verbatim. Empty for custom endpoints. */
  readonly baseUrl: string
  /** How the stored key is attached upstream. */
  readonly auth: { readonly header: string; readonly prefix?: string }
  /** Headers added upstream only when the client did not send them (e.g. Anthropic's API version). */
  readonly defaultHeaders?: Readonly<Record<string, string>>
  /**
   * Inference allowlist: `"METHOD /path"`, matched against the normalised path. `*` matches within one
   * segment (`/v1beta/models/*:generateContent`); anything not listed is refused with 403.
   */
  readonly routes: readonly string[]
  /** A cheap sanity check when a user stores a key; deliberately loose where key formats have changed. */
  readonly keyFormat: { readonly pattern: RegExp; readonly example: string }
  /** A cheap authenticated request used to verify a key before rotation replaces the old one. */
  readonly verify: { readonly method: 'GET' | 'POST'; readonly path: string; readonly body?: unknown }
  /** Bare model-name patterns (`*` wildcard) that `POST /relay` routes to this provider. */
  readonly models: readonly string[]
  /** The chat path `POST /relay` forwards to (OpenAI-format bodies). */
  readonly chatPath?: string
  /**
   * `POST /relay` with a body in the provider's own format: recognised by `bodyField` (and no `messages`),
   * forwarded to `path`, or `streamPath` when the body says `stream: true`; `{model}` is the model name.
   */
  readonly nativeChat?: { readonly bodyField: string; readonly path: string; readonly streamPath: string }
  /** Responses may be binary (audio, images); they are streamed through with their content type. */
  readonly binary: boolean
  /** The base URL is chosen by the user and bound to their stored key (SPEC §3.6). */
  readonly customBaseUrl?: boolean
}
