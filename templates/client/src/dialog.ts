/**
 * `@byok/client/dialog`: the built-in <byok-key-dialog>. `createByok` loads it on the first key prompt unless
 * you pass your own `promptForKey`, so a headless app never ships it.
 */
import { providerName } from './providers.js'

/** What `open()` takes: a line of context, and a check that may refuse the key with a message to show. */
export interface KeyDialogOptions {
  message?: string
  /** Resolve null to accept (the dialog closes), or an error message to show while it stays open. */
  submit?: (key: string) => Promise<string | null>
}

export interface ByokKeyDialogElement extends HTMLElement {
  /** Shows the dialog for `provider`; resolves with the key on Save, or null on Cancel / Escape. */
  open(provider: string, options?: KeyDialogOptions): Promise<string | null>
}

const DIALOG_HTML = `
<style>
  dialog { max-width: 28rem; border: 1px solid #8886; border-radius: 12px; padding: 1.25rem; font: inherit; }
  dialog::backdrop { background: #0006; }
  h2 { margin: 0 0 .5rem; font-size: 1.1rem; }
  p { margin: .25rem 0 .75rem; } label { display: block; font-weight: 600; margin-bottom: .25rem; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; }
  [role=alert] { color: #c62828; min-height: 1.25em; margin: .5rem 0; }
  .actions { display: flex; gap: .5rem; justify-content: flex-end; }
  button { font: inherit; padding: .4rem 1rem; }
</style>
<dialog part="dialog" aria-labelledby="byok-title" aria-describedby="byok-desc byok-where">
  <h2 id="byok-title" part="title"></h2>
  <p id="byok-desc" part="message"></p>
  <label for="byok-key">API key</label>
  <input id="byok-key" part="input" type="password" autocomplete="off" spellcheck="false"
    aria-describedby="byok-error" />
  <p id="byok-error" part="error" role="alert"></p>
  <p id="byok-where" part="note">Stored encrypted on your relay, never in this browser.</p>
  <div class="actions">
    <button type="button" part="cancel" data-action="cancel">Cancel</button>
    <button type="button" part="save" data-action="save">Save</button>
  </div>
</dialog>`

/** Registers <byok-key-dialog> (once; a no-op where custom elements do not exist, e.g. Node). */
export function defineKeyDialog(): void {
  if (typeof customElements === 'undefined' || customElements.get('byok-key-dialog')) return

  class KeyDialog extends HTMLElement implements ByokKeyDialogElement {
    #finish: ((key: string | null) => void) | undefined
    #options: KeyDialogOptions = {}
    #returnFocus: HTMLElement | null = null
    #busy = false

    connectedCallback(): void {
      if (this.shadowRoot) return
      const root = this.attachShadow({ mode: 'open' })
      root.innerHTML = DIALOG_HTML
      root.querySelector('[data-action=save]')!.addEventListener('click', () => void this.#save())
      root.querySelector('[data-action=cancel]')!.addEventListener('click', () => this.#close(null))
      this.#input.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Enter') void this.#save()
      })
      // Browsers fire `cancel` on Escape; the keydown path covers engines that do not.
      this.#dialog.addEventListener('cancel', (event) => {
        event.preventDefault()
        this.#close(null)
      })
      this.#dialog.addEventListener('keydown', (event) => {
        if ((event as KeyboardEvent).key === 'Escape') {
          event.preventDefault()
          this.#close(null)
        }
      })
    }

    get #dialog(): HTMLDialogElement {
      return this.shadowRoot!.querySelector('dialog')!
    }
    get #input(): HTMLInputElement {
      return this.shadowRoot!.querySelector('input')!
    }
    #part(name: string): HTMLElement {
      return this.shadowRoot!.querySelector<HTMLElement>(`[part=${name}]`)!
    }

    open(provider: string, options: KeyDialogOptions = {}): Promise<string | null> {
      if (!this.isConnected) document.body.append(this)
      this.connectedCallback()
      this.#finish?.(null) // a dialog opened for another call cancels the previous one
      const name = providerName(provider)
      this.#options = options
      this.#part('title').textContent = `Your ${name} API key`
      this.#part('message').textContent =
        options.message ?? `This app uses your own ${name} key to call ${name} for you.`
      this.#showError('')
      this.#input.value = ''
      this.#returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null
      if (!this.#dialog.open) this.#dialog.showModal()
      this.#input.focus()
      return new Promise((resolve) => {
        this.#finish = resolve
      })
    }

    #showError(text: string): void {
      this.#part('error').textContent = text
      if (text) this.#input.setAttribute('aria-invalid', 'true')
      else this.#input.removeAttribute('aria-invalid')
    }

    async #save(): Promise<void> {
      const key = this.#input.value.trim()
      if (this.#busy) return
      if (!key) return this.#showError('Enter a key, or press Cancel.')
      this.#setBusy(true)
      try {
        const refused = this.#options.submit ? await this.#options.submit(key) : null
        if (refused === null) return this.#close(key)
        this.#showError(refused)
        this.#input.select()
        this.#input.focus()
      } catch (error) {
        this.#showError(error instanceof Error ? error.message : 'Could not store the key.')
      } finally {
        this.#setBusy(false)
      }
    }

    #setBusy(busy: boolean): void {
      this.#busy = busy
      // forEach, not for…of: NodeList iteration needs the DOM.Iterable lib, which many projects leave out.
      this.shadowRoot!.querySelectorAll('button').forEach((button) => {
        button.disabled = busy
      })
    }

    #close(key: string | null): void {
      const finish = this.#finish
      this.#finish = undefined
      this.#input.value = '' // the key leaves the DOM as soon as it is handed over
      this.#showError('')
      if (this.#dialog.open) this.#dialog.close()
      this.#returnFocus?.focus()
      finish?.(key)
    }
  }
  customElements.define('byok-key-dialog', KeyDialog)
}

/**
 * Shows the page's <byok-key-dialog> (created on first use) for `provider`; resolves with the key, or null on
 * Cancel and where there is no DOM. This is `createByok`'s default key prompt.
 * @example const key = await openKeyDialog('openai'); if (key) await byok.storeKey('openai', key)
 */
export function openKeyDialog(provider: string, options: KeyDialogOptions = {}): Promise<string | null> {
  if (typeof document === 'undefined') return Promise.resolve(null)
  defineKeyDialog()
  const dialog =
    document.querySelector<ByokKeyDialogElement>('byok-key-dialog') ??
    document.body.appendChild(document.createElement('byok-key-dialog') as ByokKeyDialogElement)
  return dialog.open(provider, options)
}
