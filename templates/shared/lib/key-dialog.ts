// The key dialog, shared by every template (plain DOM, styled by style.css): the provider's mark and name, a link
// to the page where the user creates a key, the key checked with the provider before it is stored, and plain words
// about where the key goes. One dialog per page; a second request replaces the first.

import { type KeyClient, storeKey } from './keys'
import { providerInfo } from './providers'

export interface KeyRequest {
  provider: string
  /** Why the dialog opened: the first message, a key the provider no longer accepts, or the user's own choice. */
  reason: 'missing' | 'rejected' | 'replace'
  client: KeyClient
  relayUrl: string
}

const TEMPLATE = `
<form method="dialog" class="key-form" novalidate>
  <header class="modal-head">
    <span class="provider-mark" data-slot="logo"></span>
    <div>
      <h2 id="key-dialog-title" data-slot="title"></h2>
      <p class="muted" id="key-dialog-lead" data-slot="lead"></p>
    </div>
  </header>
  <label class="field-label" for="key-dialog-input" data-slot="label"></label>
  <input id="key-dialog-input" class="input mono" type="password" autocomplete="off" spellcheck="false"
    autocapitalize="off" aria-describedby="key-dialog-error key-dialog-where" />
  <p class="field-error" id="key-dialog-error" role="alert" data-slot="error"></p>
  <p class="key-where" id="key-dialog-where" data-slot="where"></p>
  <div class="modal-actions">
    <a class="link-button" data-slot="get" target="_blank" rel="noopener noreferrer"></a>
    <span class="spacer"></span>
    <button type="button" class="button ghost" data-action="cancel">Cancel</button>
    <button type="button" class="button secondary" data-action="unverified" hidden>Save without checking</button>
    <button type="submit" class="button primary" data-action="save">Verify and save</button>
  </div>
</form>`

let open: { dialog: HTMLDialogElement; finish: (key: string | null) => void } | undefined

function build(): HTMLDialogElement {
  const dialog = document.createElement('dialog')
  dialog.className = 'modal key-dialog'
  dialog.setAttribute('aria-labelledby', 'key-dialog-title')
  dialog.setAttribute('aria-describedby', 'key-dialog-lead')
  dialog.innerHTML = TEMPLATE
  document.body.append(dialog)
  return dialog
}

/**
 * Asks for `provider`'s key and stores it once the provider has accepted it. Resolves with the stored key, or
 * null when the user cancelled.
 */
export function askForKey(request: KeyRequest): Promise<string | null> {
  if (typeof document === 'undefined') return Promise.resolve(null)
  open?.finish(null)
  const dialog = document.querySelector<HTMLDialogElement>('dialog.key-dialog') ?? build()
  const info = providerInfo(request.provider)
  const slot = (name: string) => dialog.querySelector<HTMLElement>(`[data-slot=${name}]`)!
  const input = dialog.querySelector('input')!
  const save = dialog.querySelector<HTMLButtonElement>('[data-action=save]')!
  const unverified = dialog.querySelector<HTMLButtonElement>('[data-action=unverified]')!
  const cancel = dialog.querySelector<HTMLButtonElement>('[data-action=cancel]')!
  const relayHost = new URL(request.relayUrl).host

  slot('logo').innerHTML = info.logo
  slot('logo').dataset.provider = info.id
  slot('title').textContent =
    request.reason === 'replace' ? `Replace your ${info.name} key` : `Connect your ${info.name} account`
  slot('lead').textContent =
    request.reason === 'rejected'
      ? `${info.name} no longer accepts the key you saved (it may have been revoked). Enter a new key and your message is sent again.`
      : `This app answers with your own ${info.name} API key, so usage is billed to your ${info.name} account.`
  slot('label').textContent = `${info.name} API key`
  slot('where').textContent =
    `Where your key goes: it is sent once to this app's relay server (${relayHost}), which keeps it encrypted and uses it only to call ${info.name} for you. It is never saved in this browser, and you can delete it at any time under Keys.`
  const get = slot('get') as HTMLAnchorElement
  get.href = info.keyUrl
  get.textContent = `Get a key from ${info.name}`
  input.placeholder = `${info.keyPrefix}…`
  input.value = ''
  const showError = (text: string) => {
    slot('error').textContent = text
    if (text) input.setAttribute('aria-invalid', 'true')
    else input.removeAttribute('aria-invalid')
  }
  showError('')
  unverified.hidden = true
  const returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null

  return new Promise<string | null>((resolve) => {
    let busy = false
    const setBusy = (on: boolean, label = 'Verify and save') => {
      busy = on
      for (const button of [save, unverified, cancel]) button.disabled = on
      input.readOnly = on
      save.textContent = on ? `Checking with ${info.name}…` : label
      dialog.setAttribute('aria-busy', String(on))
    }
    const submit = async (verify: boolean) => {
      if (busy) return
      const key = input.value.trim()
      if (!key) return showError(`Paste your ${info.name} API key, or press Cancel.`)
      setBusy(true)
      const outcome = await storeKey(request.client, request.relayUrl, info.id, key, { verify })
      setBusy(false)
      if (outcome.ok) return finish(key)
      showError(outcome.message)
      unverified.hidden = outcome.problem !== 'unverifiable'
      input.focus()
      input.select()
    }
    const onSubmit = (event: Event) => {
      event.preventDefault()
      void submit(true)
    }
    const onUnverified = () => void submit(false)
    const onCancel = (event: Event) => {
      event.preventDefault()
      if (!busy) finish(null)
    }
    const finish = (key: string | null) => {
      open = undefined
      dialog.querySelector('form')!.removeEventListener('submit', onSubmit)
      unverified.removeEventListener('click', onUnverified)
      cancel.removeEventListener('click', onCancel)
      dialog.removeEventListener('cancel', onCancel)
      input.value = '' // the key leaves the DOM as soon as it is stored
      if (dialog.open) dialog.close()
      returnFocus?.focus()
      resolve(key)
    }
    dialog.querySelector('form')!.addEventListener('submit', onSubmit)
    unverified.addEventListener('click', onUnverified)
    cancel.addEventListener('click', onCancel)
    dialog.addEventListener('cancel', onCancel) // Escape
    open = { dialog, finish }
    setBusy(false)
    if (!dialog.open) dialog.showModal()
    input.focus()
  })
}
