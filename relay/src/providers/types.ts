/** A chat request shape: OpenAI chat completions, Anthropic messages, Gemini generateContent. */
export type ChatWire = 'openai-chat' | 'anthropic-messages' | 'gemini-generate'

/**
 * A provider is data. Every difference between providers is a field here; handlers never branch on an id.
 */
export interface ProviderSpec {
  /** Registry id, used in routes (`/keys/:provider`, `/relay/:provider/*`) and in `<ID>_BASE_URL`. */
  readonly id: string
  readonly name: string
  /** Origin plus optional path prefix; the forwarded path is appended verbatim. Empty for custom endpoints. */
  readonly baseUrl: string
  /**
   * API hostnames browser code calls directly (exact, lower case): the codemod and `@byok/client` send calls to
   * these hosts through the relay instead. Empty for custom endpoints.
   */
  readonly hosts: readonly string[]
  /** How the stored key is attached upstream. */
  readonly auth: { readonly header: string; readonly prefix?: string }
  /** Headers added upstream only when the client did not send them (e.g. Anthropic's API version). */
  readonly defaultHeaders?: Readonly<Record<string, string>>
  /**
   * Request headers, besides the key, that this provider's SDKs send and the relay passes upstream (lower case;
   * a trailing `*` matches any suffix: `x-stainless-*`). Headers every provider gets live in proxy/headers.ts.
   */
  readonly requestHeaders: readonly string[]
  /** Response headers passed back to the client (request ids, rate-limit state), same syntax as `requestHeaders`. */
  readonly responseHeaders: readonly string[]
  /**
   * Of the response headers, the exact names a browser app may read (CORS `Access-Control-Expose-Headers`): the
   * ones the provider's SDKs read for retries and errors.
   */
  readonly exposeHeaders: readonly string[]
  /**
   * What follows `<relay>/relay/<id>` in an SDK's base URL, keyed by npm package (`openai` is the OpenAI SDK
   * pointed at this provider): the path the package's default base URL has after the host.
   */
  readonly sdkBasePaths: Readonly<Record<string, string>>
  /** Environment variables the provider's SDKs read the key from, the one to suggest first. */
  readonly keyEnv: readonly string[]
  /**
   * The cheapest chat round trip (the MCP `test_relay` tool): its wire format and a default model. No model means
   * the caller must name one (catalogues that are user-specific); no probe means the provider has no chat.
   */
  readonly probe?: { readonly wire: ChatWire; readonly model?: string }
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
