// Model replies are untrusted text. marked turns the markdown into HTML with raw HTML escaped (a reply that
// mentions <script> shows it as text), and DOMPurify then keeps only the tags a markdown reply needs: nothing the
// model writes reaches the DOM unsanitized. Images are dropped on purpose: a prompt-injected image URL is the
// classic way to leak a conversation to someone else's server.

import DOMPurify from 'dompurify'
import { Marked, type Tokens } from 'marked'

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": '#39' }[c]};`)

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html: ({ text }: Tokens.HTML | Tokens.Tag) => escapeHtml(text),
    image: ({ text }: Tokens.Image) => escapeHtml(text),
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').match(/^[\w+#.-]+/)?.[0] ?? ''
      const label = language ? `<span>${escapeHtml(language)}</span>` : '<span>code</span>'
      const cls = language ? ` class="language-${escapeHtml(language)}"` : ''
      return `<div class="code-block"><div class="code-head">${label}<button type="button" class="copy" data-copy-code>Copy</button></div><pre tabindex="0"><code${cls}>${escapeHtml(text)}</code></pre></div>`
    },
  },
})

const ALLOWED_TAGS = [
  'p',
  'br',
  'hr',
  'strong',
  'em',
  'del',
  's',
  'code',
  'pre',
  'blockquote',
  'ul',
  'ol',
  'li',
  'a',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'div',
  'span',
  'button',
  'input',
]
// tabindex: a code block that scrolls sideways must be reachable by keyboard (only the renderer above writes one).
const ALLOWED_ATTR = [
  'tabindex',
  'href',
  'title',
  'class',
  'type',
  'checked',
  'disabled',
  'start',
  'align',
  'data-copy-code',
]

let hooked = false
function purifier(): typeof DOMPurify {
  if (!hooked) {
    hooked = true
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A') {
        // Web and mail links only (DOMPurify already drops javascript:; this also drops data:, blob:, custom schemes).
        // Not ALLOWED_URI_REGEXP: DOMPurify applies that to every attribute value, and type="button" would fail it.
        if (!/^(?:https?:|mailto:|#)/i.test(node.getAttribute('href') ?? '')) node.removeAttribute('href')
        node.setAttribute('target', '_blank')
        node.setAttribute('rel', 'noopener noreferrer nofollow')
      }
      // GFM task lists are the only inputs a reply may hold, and they are read-only.
      if (node.tagName === 'INPUT' && node.getAttribute('type') !== 'checkbox') node.remove()
      if (node.tagName === 'INPUT') node.setAttribute('disabled', '')
    })
  }
  return DOMPurify
}

/** Markdown → sanitized HTML, safe for innerHTML / v-html / {@html} / dangerouslySetInnerHTML. */
export function renderMarkdown(markdown: string): string {
  // Trimmed: marked ends blocks with a newline, which would be a stray text node after the last paragraph.
  const html = marked.parse(markdown, { async: false }).trim()
  return purifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: [...ALLOWED_ATTR, 'target', 'rel'],
    ALLOW_DATA_ATTR: false,
  })
}

/**
 * The code blocks' Copy buttons: one delegated listener on the message list (the buttons are inside sanitized
 * HTML, which carries no handlers of its own). Returns a function that removes it.
 */
export function handleCopyButtons(container: HTMLElement): () => void {
  const onClick = (event: MouseEvent) => {
    const button = (event.target as Element | null)?.closest?.('button[data-copy-code]')
    if (!button || !container.contains(button)) return
    const code = button.closest('.code-block')?.querySelector('code')?.textContent ?? ''
    void navigator.clipboard?.writeText(code).then(
      () => {
        button.textContent = 'Copied'
        setTimeout(() => {
          button.textContent = 'Copy'
        }, 1500)
      },
      () => {},
    )
  }
  container.addEventListener('click', onClick)
  return () => container.removeEventListener('click', onClick)
}
