// Small behaviours every template's chat view shares: Enter to send, a composer that grows with its text, and a
// message list that follows a streaming reply unless the reader has scrolled up.

/** Enter sends; Shift+Enter (and Enter while an IME is composing) types a newline. */
export function isSendKey(event: KeyboardEvent): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229
}

const MAX_COMPOSER_PX = 200

/** Grows the textarea with its content up to a limit, then it scrolls. */
export function fitTextarea(textarea: HTMLTextAreaElement): void {
  textarea.style.height = 'auto'
  textarea.style.height = `${Math.min(textarea.scrollHeight + 2, MAX_COMPOSER_PX)}px`
}

/**
 * Keeps `scroller` at the bottom while its content grows, unless the reader scrolled up; scrolling back to the
 * bottom resumes following. Returns a function that stops it.
 */
export function followScroll(scroller: HTMLElement): () => void {
  let pinned = true
  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48
  const onScroll = () => {
    pinned = atBottom()
  }
  const observer = new MutationObserver(() => {
    if (pinned) scroller.scrollTop = scroller.scrollHeight
  })
  scroller.addEventListener('scroll', onScroll, { passive: true })
  observer.observe(scroller, { childList: true, subtree: true, characterData: true })
  scroller.scrollTop = scroller.scrollHeight
  return () => {
    observer.disconnect()
    scroller.removeEventListener('scroll', onScroll)
  }
}

/** "…6789 · added 4 Dec" for the keys panel (the relay's hint already starts with "…"). */
export function describeStoredKey(hint: string, createdAt: string): string {
  const date = new Date(createdAt)
  const added = Number.isNaN(date.getTime())
    ? ''
    : ` · added ${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}`
  return `${hint}${added}`
}
