import { byok, RELAY_URL } from './byok-client'
import { defineKeyDialog } from './lib/byok'
import { type ChatMessage, PROVIDERS, type ProviderId, streamChat } from './lib/chat'
import './style.css'

// Registers <byok-key-dialog>, which the client opens by itself when the relay has no key for a provider.
defineKeyDialog()

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T
const providerSelect = $<HTMLSelectElement>('provider')
const modelInput = $<HTMLInputElement>('model')
const messageList = $<HTMLUListElement>('messages')
const errorLine = $<HTMLParagraphElement>('error')
const composer = $<HTMLFormElement>('composer')
const draft = $<HTMLTextAreaElement>('draft')
const sendButton = $<HTMLButtonElement>('send')
const stopButton = $<HTMLButtonElement>('stop')
const keyList = $<HTMLUListElement>('keys')
const keyStatus = $<HTMLParagraphElement>('key-status')

$('relay-url').textContent = RELAY_URL
providerSelect.append(...PROVIDERS.map((p) => new Option(p.label, p.id)))

function pickProvider(id: ProviderId) {
  const models = PROVIDERS.find((p) => p.id === id)?.models ?? []
  $('models').replaceChildren(...models.map((m) => new Option(m, m)))
  modelInput.value = models[0] ?? ''
}
pickProvider('openai')
providerSelect.addEventListener('change', () => pickProvider(providerSelect.value as ProviderId))

const messages: ChatMessage[] = []
let abort: AbortController | null = null

function addMessage(message: ChatMessage): HTMLLIElement {
  const item = document.createElement('li')
  item.dataset.role = message.role
  item.textContent = message.content || '…'
  messageList.append(item)
  return item
}

function setStreaming(on: boolean) {
  sendButton.hidden = on
  stopButton.hidden = !on
}

composer.addEventListener('submit', async (event) => {
  event.preventDefault()
  const text = draft.value.trim()
  if (!text || abort) return
  messages.push({ role: 'user', content: text })
  addMessage({ role: 'user', content: text })
  const reply = addMessage({ role: 'assistant', content: '' })
  draft.value = ''
  errorLine.hidden = true
  abort = new AbortController()
  setStreaming(true)
  let content = ''
  try {
    const stream = streamChat(byok, {
      provider: providerSelect.value as ProviderId,
      model: modelInput.value,
      messages: [...messages],
      signal: abort.signal,
    })
    for await (const delta of stream) {
      content += delta
      reply.textContent = content
    }
  } catch (caught) {
    if (!abort.signal.aborted) {
      errorLine.textContent = caught instanceof Error ? caught.message : String(caught)
      errorLine.hidden = false
    }
  } finally {
    messages.push({ role: 'assistant', content })
    abort = null
    setStreaming(false)
  }
})
stopButton.addEventListener('click', () => abort?.abort())

async function refreshKeys() {
  try {
    const keys = await byok.listKeys()
    keyStatus.textContent = keys.length === 0 ? 'No key stored yet: the first message asks for one.' : ''
    keyList.replaceChildren(
      ...keys.map((k) => {
        const item = document.createElement('li')
        const remove = document.createElement('button')
        remove.type = 'button'
        remove.textContent = 'Delete'
        remove.addEventListener('click', async () => {
          await byok.deleteKey(k.provider)
          await refreshKeys()
        })
        item.append(`${k.provider} …${k.hint} `, remove)
        return item
      }),
    )
  } catch (caught) {
    keyStatus.textContent = caught instanceof Error ? caught.message : String(caught)
  }
}
$('refresh').addEventListener('click', () => void refreshKeys())
$('forget').addEventListener('click', async () => {
  await byok.forget()
  keyList.replaceChildren()
  keyStatus.textContent = 'This browser is signed out of the relay; your next message registers it again.'
})
void refreshKeys()
