/**
 * The connect page (`GET /connect`): one self-contained HTML document, nothing loaded from anywhere. Its only
 * script and style carry the response's CSP nonce; no inline handlers. The page's behaviour:
 *
 * - popup mode (`origin`): tells `window.opener` it is ready (`postMessage` to exactly `origin`), accepts the
 *   opener's relay token only from `window.opener` at exactly `origin`, stores the pasted key with
 *   `POST /keys/:provider/rotate` (the provider checks it first), mints a scoped token with `POST /tokens`
 *   (that provider, that origin, `expiresIn` seconds) and posts it to exactly `origin`.
 * - redirect mode (`redirect_uri`): acts for this browser's account on the relay's own origin (a relay token in
 *   the relay origin's localStorage, registered on first use), stores the key the same way, asks
 *   `POST /connect/codes` for a one-time code bound to the PKCE challenge and navigates to `redirect_uri`.
 */

/** What the page's script reads from its JSON island. */
interface ConnectPageConfig {
  readonly mode: 'popup' | 'redirect'
  readonly appId: string
  readonly provider: string
  readonly providerName: string
  /** The opener origin (popup) or the redirect_uri's origin (redirect). */
  readonly origin: string
  readonly redirectUri: string | null
  readonly state: string | null
  readonly codeChallenge: string | null
  /** Lifetime of the scoped token the opener gets (popup mode), in seconds. */
  readonly expiresIn: number
}

/** Message types exchanged with the opener (popup mode). */
const CONNECT_MESSAGES = {
  ready: 'byok:connect-ready',
  token: 'byok:connect-token',
  done: 'byok:connect-done',
  cancel: 'byok:connect-cancel',
} as const

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  )

/** JSON safe inside a <script> element: no `<` can close it. */
const scriptJson = (value: unknown) =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 28rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  h1 { font-size: 1.25rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; margin: .25rem 0 1rem; }
  button { padding: .5rem 1rem; font: inherit; margin-right: .5rem; }
  .origin { font-family: ui-monospace, monospace; word-break: break-all; }
  #status { min-height: 1.5rem; }
`

// Plain ES2020, no build step: it runs as is in every browser the templates support.
const SCRIPT = `
'use strict';
(function () {
  var cfg = JSON.parse(document.getElementById('byok-connect-config').textContent);
  var M = ${scriptJson(CONNECT_MESSAGES)};
  var form = document.getElementById('connect-form');
  var input = document.getElementById('key');
  var submit = document.getElementById('submit');
  var cancel = document.getElementById('cancel');
  var statusLine = document.getElementById('status');
  var userToken = null;
  function say(text) { statusLine.textContent = text; }
  function ready(on) { input.disabled = !on; submit.disabled = !on; }
  async function post(path, body, token) {
    var headers = { 'content-type': 'application/json' };
    if (token) headers['x-relay-token'] = token;
    var res = await fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'omit' });
    var json = await res.json().catch(function () { return {}; });
    if (!res.ok) {
      var error = new Error((json.error || ('The relay answered ' + res.status)) + (json.hint ? ' ' + json.hint : ''));
      error.code = json.code;
      throw error;
    }
    return json;
  }
  var ACCOUNT = 'byok:connect:' + cfg.appId;
  async function pageAccount() {
    var token = localStorage.getItem(ACCOUNT);
    if (token) return token;
    token = (await post('users', { app_id: cfg.appId })).token;
    localStorage.setItem(ACCOUNT, token);
    return token;
  }
  ready(false);
  if (cfg.mode === 'popup') {
    if (!window.opener) {
      say('Open this page from the app that asks for your key.');
    } else {
      window.addEventListener('message', function (event) {
        if (event.source !== window.opener || event.origin !== cfg.origin) return;
        var data = event.data;
        if (!data || data.type !== M.token || typeof data.token !== 'string') return;
        userToken = data.token;
        ready(true);
        input.focus();
      });
      window.opener.postMessage({ type: M.ready, provider: cfg.provider }, cfg.origin);
      say('Waiting for the app…');
    }
  } else {
    ready(true);
    input.focus();
  }
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    var key = input.value;
    if (!key.trim()) { say('Paste your key first.'); return; }
    ready(false);
    say('Checking the key with ' + cfg.providerName + '…');
    try {
      var token = cfg.mode === 'popup' ? userToken : await pageAccount();
      await post('keys/' + encodeURIComponent(cfg.provider) + '/rotate', { key: key }, token);
      input.value = '';
      key = '';
      if (cfg.mode === 'popup') {
        var minted = await post('tokens', { providers: [cfg.provider], origins: [cfg.origin], expires_in: cfg.expiresIn }, token);
        window.opener.postMessage({ type: M.done, provider: cfg.provider, token: minted.token, expires_at: minted.expires_at }, cfg.origin);
        say('Connected. You can close this window.');
        window.close();
      } else {
        var answer = await post('connect/codes', { provider: cfg.provider, redirect_uri: cfg.redirectUri, code_challenge: cfg.codeChallenge, code_challenge_method: 'S256' }, token);
        var target = new URL(cfg.redirectUri);
        target.searchParams.set('code', answer.code);
        if (cfg.state !== null) target.searchParams.set('state', cfg.state);
        say('Connected. Returning to the app…');
        location.assign(target.href);
      }
    } catch (error) {
      if (cfg.mode === 'redirect' && /^token_/.test(error.code || '')) localStorage.removeItem(ACCOUNT);
      say(error.message);
      ready(true);
    }
  });
  cancel.addEventListener('click', function () {
    if (cfg.mode === 'popup') {
      if (window.opener) window.opener.postMessage({ type: M.cancel, provider: cfg.provider }, cfg.origin);
      window.close();
      return;
    }
    var target = new URL(cfg.redirectUri);
    target.searchParams.set('error', 'access_denied');
    if (cfg.state !== null) target.searchParams.set('state', cfg.state);
    location.assign(target.href);
  });
})();
`

/** The page for `config`; `nonce` must be the one in the response's Content-Security-Policy. */
export function renderConnectPage(config: ConnectPageConfig, nonce: string): string {
  const provider = escapeHtml(config.providerName)
  const origin = escapeHtml(config.origin)
  const lifetime =
    config.mode === 'popup'
      ? `a token that works for ${Math.round(config.expiresIn / 60)} minutes, for ${provider} only and only from that origin`
      : `a token for ${provider} only, usable only from that origin`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Connect your ${provider} key</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<main>
<h1>Connect your ${provider} key</h1>
<p><span class="origin">${origin}</span> asks to use your ${provider} key through this relay.</p>
<p>The key is typed here, on the relay's own page: the relay checks it with ${provider}, stores it encrypted
and never shows it again. The app gets ${lifetime}; it never sees the key.</p>
<form id="connect-form" autocomplete="off">
<label for="key">${provider} API key</label>
<input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required>
<button id="submit" type="submit">Verify and connect</button>
<button id="cancel" type="button">Cancel</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
</main>
<script type="application/json" id="byok-connect-config">${scriptJson(config)}</script>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`
}
