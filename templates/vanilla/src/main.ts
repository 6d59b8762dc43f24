import { createKeyStore, type KeysState } from '@byok/client'
import { getChatApp } from './byok-client'
import { ICONS, type IconName, SUGGESTIONS } from './lib/icons'
import { handleCopyButtons, renderMarkdown } from './lib/markdown'
import { PROVIDERS, type ProviderId, providerInfo } from './lib/providers'
import type { ChatState, Message } from './lib/session'
import { describeStoredKey, fitTextarea, followScroll, isSendKey } from './lib/ui'
import { mountUsageSection } from './lib/usage'
import './style.css'

// The state and actions live in lib/session.ts (shared by every template); this file renders them into the
// shell in index.html. Model text only ever reaches the DOM through renderMarkdown (sanitized) or textContent.
const app = getChatApp()
const { chat } = app
// The user's stored keys as the relay lists them (@byok/client's key store).
const keys = createKeyStore(app.client)
const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T

const providerSelect = $<HTMLSelectElement>('provider')
const modelInput = $<HTMLInputElement>('model')
const messageList = $<HTMLOListElement>('messages')
const notice = $('notice')
const draft = $<HTMLTextAreaElement>('draft')
const sendButton = $<HTMLButtonElement>('send')
const stopButton = $<HTMLButtonElement>('stop')
const keysPanel = $<HTMLDialogElement>('keys-panel')
// "This month": usage and the monthly cap (lib/usage.ts).
const usage = mountUsageSection($('usage'), app.client)

function icon(name: IconName): HTMLSpanElement {
  const span = document.createElement('span')
  span.style.display = 'contents'
  span.innerHTML = ICONS[name]
  return span
}

function button(
  label: string,
  className: string,
  onClick: () => void,
  ariaLabel?: string,
): HTMLButtonElement {
  const el = document.createElement('button')
  el.type = 'button'
  el.className = className
  el.textContent = label
  if (ariaLabel) el.setAttribute('aria-label', ariaLabel)
  el.addEventListener('click', onClick)
  return el
}

function providerMark(provider: string, options: { small?: boolean; label?: string } = {}): HTMLSpanElement {
  const info = providerInfo(provider)
  const mark = document.createElement('span')
  mark.className = options.small ? 'provider-mark small' : 'provider-mark'
  mark.dataset.provider = info.id
  mark.innerHTML = info.logo // constant SVG from lib/providers
  if (options.label) {
    mark.setAttribute('role', 'img')
    mark.setAttribute('aria-label', options.label)
  } else mark.setAttribute('aria-hidden', 'true')
  return mark
}

for (const el of document.querySelectorAll<HTMLElement>('[data-icon]')) {
  el.replaceWith(icon(el.dataset.icon as IconName))
}
providerSelect.append(...PROVIDERS.map((p) => new Option(p.name, p.id)))
$('suggestions').append(...SUGGESTIONS.map((s) => button(s, 'suggestion', () => send(s))))

// ---- the conversation --------------------------------------------------------------------------------------

/** One <li> per message, kept by id; a reply's HTML is rebuilt only when its text changed. */
const rendered = new Map<string, { li: HTMLLIElement; content: string; status: string | undefined }>()

function renderMessage(message: Message, isLast: boolean, streaming: boolean): HTMLLIElement {
  let entry = rendered.get(message.id)
  if (!entry) {
    const li = document.createElement('li')
    li.className = 'message'
    li.dataset.role = message.role
    if (message.role === 'user') {
      const bubble = document.createElement('div')
      bubble.className = 'bubble'
      bubble.textContent = message.content
      li.append(bubble)
    } else {
      const prose = document.createElement('div')
      prose.className = 'prose'
      li.append(
        providerMark(message.provider ?? 'openai', {
          label: providerInfo(message.provider ?? 'openai').name,
        }),
        prose,
      )
    }
    entry = { li, content: '', status: undefined }
    rendered.set(message.id, entry)
  }
  const { li } = entry
  if (message.role === 'assistant') {
    if (entry.content !== message.content) {
      li.querySelector('.prose')!.innerHTML = renderMarkdown(message.content) // sanitized by DOMPurify
      entry.content = message.content
    }
    if (message.status) li.dataset.status = message.status
    else delete li.dataset.status
    li.querySelector('.message-meta')?.remove()
    if (isLast && message.status !== 'streaming' && !streaming) {
      const meta = document.createElement('div')
      meta.className = 'message-meta'
      const note = { stopped: 'Stopped.', failed: 'Cut off.' }[message.status as string]
      if (note) meta.append(Object.assign(document.createElement('span'), { textContent: note }))
      const retry = button('Retry', 'button ghost small', () => void chat.retry())
      retry.prepend(icon('retry'))
      meta.append(retry)
      li.append(meta)
    }
  }
  return li
}

function renderChat(state: ChatState): void {
  const info = providerInfo(state.provider)
  providerSelect.value = state.provider
  if (modelInput.value !== state.model) modelInput.value = state.model
  const models = state.models[state.provider] ?? info.suggestedModels
  $('model-options').replaceChildren(...models.map((m) => new Option('', m)))
  $('provider-name').textContent = info.name
  draft.placeholder = `Message ${info.name}…`

  $('empty').hidden = state.messages.length > 0
  messageList.hidden = state.messages.length === 0
  messageList.setAttribute('aria-busy', String(state.streaming))
  const ids = new Set(state.messages.map((m) => m.id))
  for (const [id, entry] of rendered) {
    if (!ids.has(id)) {
      entry.li.remove()
      rendered.delete(id)
    }
  }
  state.messages.forEach((m, i) => {
    const li = renderMessage(m, i === state.messages.length - 1, state.streaming)
    if (messageList.children[i] !== li) messageList.insertBefore(li, messageList.children[i] ?? null)
  })

  notice.hidden = !state.failure
  if (state.failure) {
    const needsKey = state.failure.kind === 'key-missing' || state.failure.kind === 'key-rejected'
    notice.querySelector('p')!.textContent = state.failure.text
    const action = notice.querySelector('button')!
    action.replaceChildren(
      icon(needsKey ? 'key' : 'retry'),
      needsKey ? (state.failure.kind === 'key-missing' ? 'Add key' : 'Replace key') : 'Retry',
    )
    const replacing = state.failure.kind === 'key-rejected'
    action.onclick = () => void (needsKey ? app.changeKey(state.provider, replacing) : chat.retry())
  }
  stopButton.hidden = !state.streaming
  sendButton.hidden = state.streaming
  sendButton.disabled = !draft.value.trim()
}

function send(text = draft.value): void {
  if (!text.trim() || chat.get().streaming) return
  draft.value = ''
  fitTextarea(draft)
  void chat.send(text)
}

providerSelect.addEventListener('change', () => chat.setProvider(providerSelect.value as ProviderId))
modelInput.addEventListener('input', () => chat.setModel(modelInput.value))
$('composer').addEventListener('submit', (event) => {
  event.preventDefault()
  send()
})
draft.addEventListener('keydown', (event) => {
  if (isSendKey(event)) {
    event.preventDefault()
    send()
  }
})
draft.addEventListener('input', () => {
  fitTextarea(draft)
  sendButton.disabled = !draft.value.trim()
})
stopButton.addEventListener('click', () => chat.stop())
$('new-chat').addEventListener('click', () => chat.newChat())
followScroll($('thread'))
handleCopyButtons($('thread'))
chat.subscribe(renderChat)

// ---- the keys panel ----------------------------------------------------------------------------------------

let status = ''
// After "forget", the relay's list belongs to a token this browser no longer has.
let forgotten = false

function renderKeys({ keys: stored, error }: KeysState): void {
  $('key-list').replaceChildren(
    ...PROVIDERS.map((p) => {
      const key = forgotten ? undefined : stored.find((k) => k.provider === p.id)
      const li = document.createElement('li')
      li.className = 'key-row'
      li.dataset.provider = p.id
      const text = document.createElement('div')
      text.className = 'key-row-text'
      const name = document.createElement('strong')
      name.textContent = p.name
      const hint = document.createElement('span')
      hint.className = 'mono'
      hint.textContent = key ? describeStoredKey(key.hint, key.created_at) : 'No key'
      text.append(name, hint)
      const actions = document.createElement('div')
      actions.className = 'key-row-actions'
      const verb = key ? 'Replace' : 'Add'
      actions.append(
        button(
          verb,
          'button small',
          () => void app.changeKey(p.id, key !== undefined),
          `${verb} ${p.name} key`,
        ),
      )
      if (key) {
        const remove = async () => {
          status = `Your ${p.name} key was deleted from the relay.`
          await keys.deleteKey(p.id)
        }
        actions.append(button('Delete', 'button small danger', () => void remove(), `Delete ${p.name} key`))
      }
      li.append(providerMark(p.id, { small: true }), text, actions)
      return li
    }),
  )
  $('key-status').textContent = error ? `Can't reach the relay at ${app.relayUrl} to list your keys.` : status
}

keys.subscribe((state) => {
  // Re-rendering moves focus off a button that was just pressed; put it back on the same row's button.
  const focusedLabel = keysPanel.contains(document.activeElement)
    ? document.activeElement?.getAttribute('aria-label')
    : null
  renderKeys(state)
  if (focusedLabel) {
    const row = focusedLabel.replace(/^(Add|Replace|Delete) /, '')
    const target =
      keysPanel.querySelector<HTMLElement>(`[aria-label="${focusedLabel}"]`) ??
      keysPanel.querySelector<HTMLElement>(`[aria-label$="${row}"]`)
    target?.focus()
  }
})
// A key stored by the dialog or the relay's connect page: the list, and this month's figures when the panel is open
// (its Add button), follow at once.
app.onKeyStored(() => {
  forgotten = false
  void keys.refresh().then(() => {
    if (keysPanel.open) void usage.refresh()
  })
})
$('open-keys').addEventListener('click', () => {
  keysPanel.showModal()
  if (!forgotten) void keys.refresh().then(() => usage.refresh())
})
$('close-keys').addEventListener('click', () => keysPanel.close())
$('forget').addEventListener('click', async () => {
  await app.client.forget()
  forgotten = true
  usage.clear()
  status = 'This browser is signed out of the relay. Your next message signs it in again and asks for a key.'
  renderKeys(keys.get())
})
void chat.loadModels()
