import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest'
import {
  type ByokClient,
  type ByokKeyDialogElement,
  createByok,
  defineKeyDialog,
} from '../../templates/client/src/index.js'
import { type ClientRelay, chatBody, installDom, startClientRelay, USER_KEY } from './harness.js'

let relay: ClientRelay
let removeDom: () => Promise<void>

beforeAll(() => {
  removeDom = installDom()
})
afterAll(async () => {
  await removeDom()
})

beforeEach(async () => {
  relay = await startClientRelay()
  localStorage.clear()
})
afterEach(async () => {
  document.body.innerHTML = ''
  await relay.close()
})

// No promptForKey and no storage: the defaults (the built-in dialog, window.localStorage) are under test.
const client = (): ByokClient => createByok({ relayUrl: relay.url, appId: 'dialog-test', fetch: relay.fetch })

const chat = (byok: ByokClient) =>
  byok.relayFetch('openai', '/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(),
  })

/** Waits until the helper has put an open <byok-key-dialog> on the page and returns its parts. */
async function openDialog() {
  const element = await vi.waitFor(
    () => {
      const found = document.querySelector<ByokKeyDialogElement>('byok-key-dialog')
      if (!found?.shadowRoot?.querySelector('dialog')?.open) throw new Error('no open dialog yet')
      return found
    },
    { timeout: 5_000, interval: 10 },
  )
  const root = element.shadowRoot!
  const part = <T extends Element>(selector: string) => root.querySelector<T>(selector)!
  return {
    element,
    dialog: part<HTMLDialogElement>('dialog'),
    input: part<HTMLInputElement>('input'),
    error: part<HTMLElement>('[role=alert]'),
    save: part<HTMLButtonElement>('[data-action=save]'),
    cancel: part<HTMLButtonElement>('[data-action=cancel]'),
    text: () => root.textContent ?? '',
  }
}

function type(input: HTMLInputElement, value: string): void {
  input.value = value
  input.dispatchEvent(new Event('input', { bubbles: true }))
}

function scanLocalStorage(): string[] {
  return Array.from(
    { length: localStorage.length },
    (_, i) => localStorage.getItem(localStorage.key(i)!) ?? '',
  )
}

describe('<byok-key-dialog> in the key flow', () => {
  test('key_missing opens the dialog; Save stores the key and the call is retried', async () => {
    const pending = chat(client())
    const ui = await openDialog()
    expect(ui.text()).toContain('OpenAI')
    expect(ui.text()).toContain('encrypted on your relay, never in this browser')
    expect(ui.element.shadowRoot!.activeElement).toBe(ui.input)
    type(ui.input, USER_KEY)
    ui.save.click()

    const response = await pending
    expect(response.status).toBe(200)
    expect(((await response.json()) as { object: string }).object).toBe('chat.completion')
    expect(ui.dialog.open).toBe(false)
    expect(ui.input.value).toBe('')
    expect(relay.mock.exchanges.map((e) => e.request.headers.authorization)).toEqual([`Bearer ${USER_KEY}`])

    // Only the relay token is in browser storage, and only POST /keys/openai carried the key.
    expect(scanLocalStorage()).toHaveLength(1)
    for (const value of scanLocalStorage()) expect(value).not.toContain(USER_KEY)
    const carrying = relay.sent.filter((r) => JSON.stringify(r).includes(USER_KEY))
    expect(carrying.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${relay.url}/keys/openai`])
  })

  test('Cancel resolves the call with the original key_missing response', async () => {
    const pending = chat(client())
    const ui = await openDialog()
    ui.cancel.click()
    const response = await pending
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ code: 'key_missing' })
    expect(ui.dialog.open).toBe(false)
    expect(relay.sent.some((r) => r.url.includes('/keys/'))).toBe(false)
  })

  test('Escape cancels', async () => {
    const pending = chat(client())
    const ui = await openDialog()
    ui.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
    expect((await pending).status).toBe(400)
    expect(ui.dialog.open).toBe(false)
  })

  test('key_invalid from the relay is shown in the same dialog, which stays open for another try', async () => {
    const pending = chat(client())
    const ui = await openDialog()
    type(ui.input, 'not-a-key')
    ui.save.click()
    await vi.waitFor(() => expect(ui.error.textContent).toMatch(/does not look like an? OpenAI key/))
    expect(ui.dialog.open).toBe(true)
    expect(ui.input.getAttribute('aria-invalid')).toBe('true')
    expect(document.querySelectorAll('byok-key-dialog')).toHaveLength(1)

    type(ui.input, USER_KEY)
    ui.input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }))
    expect((await pending).status).toBe(200)
    expect(ui.dialog.open).toBe(false)
    expect(ui.input.hasAttribute('aria-invalid')).toBe(false)
  })
})

describe('<byok-key-dialog> on its own', () => {
  test('defineKeyDialog is idempotent', () => {
    defineKeyDialog()
    defineKeyDialog()
    expect(customElements.get('byok-key-dialog')).toBeDefined()
  })

  test('is labelled and drivable: open() resolves with the key, focus returns to the opener', async () => {
    defineKeyDialog()
    const opener = document.createElement('button')
    document.body.append(opener)
    opener.focus()
    const element = document.createElement('byok-key-dialog') as ByokKeyDialogElement
    const result = element.open('anthropic')
    const ui = await openDialog()
    const labelledBy = ui.dialog.getAttribute('aria-labelledby')!
    expect(ui.element.shadowRoot!.getElementById(labelledBy)!.textContent).toContain('Anthropic')
    expect(ui.input.type).toBe('password')
    const label = ui.element.shadowRoot!.querySelector(`label[for="${ui.input.id}"]`)
    expect(label?.textContent).toBeTruthy()
    ui.save.click()
    expect(ui.error.textContent).toMatch(/Enter a key/)
    type(ui.input, ' sk-ant-key \n')
    ui.save.click()
    expect(await result).toBe('sk-ant-key')
    expect(document.activeElement).toBe(opener)
  })
})
