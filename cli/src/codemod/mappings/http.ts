/** axios methods whose first argument is the URL (`axios.post(url, data, config)` / `axios.get(url, config)`). */
export const AXIOS_URL_METHODS: ReadonlySet<string> = new Set([
  'get',
  'delete',
  'head',
  'options',
  'post',
  'put',
  'patch',
])

/** The methods that take data before the config (so the config is the third argument). */
export const AXIOS_DATA_METHODS: ReadonlySet<string> = new Set(['post', 'put', 'patch'])

/**
 * Path endings of provider APIs (OpenAI-style, Anthropic, Gemini). A fetch whose host is chosen at runtime counts
 * as a provider call only when its static path ends like one of these and it carries a credential: a runtime
 * `fetch(`${API}/user`, { headers: { Authorization } })` to the app's own backend is not a provider call.
 */
export const PROVIDER_PATH_TAIL =
  /(\/chat\/completions|\/completions|\/responses|\/embeddings|\/messages|\/audio\/(transcriptions|speech)|\/images\/generations|:(stream)?generateContent)(\?[^/]*)?$/i

/** Vite config files the `vite-define` step edits. */
export const VITE_CONFIG_FILE = /(^|\/)vite\.config\.(ts|mts|js|mjs|cjs)$/
