/** One Server-Sent Event. */
export interface SseEvent {
  event: string
  data: string
}

/** A minimal Server-Sent Events reader (https://html.spec.whatwg.org/multipage/server-sent-events.html). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let event = ''
  let data: string[] = []
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      buffer += decoder.decode(value, { stream: true })
      let newline = buffer.search(/\r\n|\r|\n/)
      while (newline !== -1) {
        const line = buffer.slice(0, newline)
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1))
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
          event = ''
          data = []
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':')
          const field = colon === -1 ? line : line.slice(0, colon)
          const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
          if (field === 'event') event = value
          else if (field === 'data') data.push(value)
        }
        newline = buffer.search(/\r\n|\r|\n/)
      }
    }
    if (data.length > 0) yield { event: event || 'message', data: data.join('\n') }
  } finally {
    // Stops the download when the caller leaves early (abort, break): the relay then aborts the upstream call.
    await reader.cancel().catch(() => {})
  }
}
