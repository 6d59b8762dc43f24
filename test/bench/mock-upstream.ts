// Bench upstream: an OpenAI-style chat endpoint, JSON or a 20-chunk SSE stream, as fast as the socket allows.
// `?stream&slow=<ms>` holds the stream open instead, one chunk every <ms>, until the parent process sends
// `release` over IPC: then every held stream ends (the bench's many-open-streams run), until it sends `hold`.
import { createServer } from 'node:http'

const CHUNKS = 20
const json = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  model: 'gpt-4o-mini',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Hello from the bench upstream.' },
      finish_reason: 'stop',
    },
  ],
  usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
})
const chunk = (i: number) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `tok${i} ` } }] })}\n\n`
const tail = `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', model: 'gpt-4o-mini', choices: [], usage: { prompt_tokens: 12, completion_tokens: CHUNKS } })}\n\ndata: [DONE]\n\n`

let released = false
process.on('message', (m) => {
  if (m === 'release') released = true
  // The next run holds its streams again (each entry point of `pnpm bench:streams` shares this mock).
  if (m === 'hold') {
    released = false
    process.send?.('held')
  }
})

const server = createServer((req, res) => {
  const body: Buffer[] = []
  req.on('data', (d: Buffer) => body.push(d))
  req.on('end', () => {
    const slow = /[?&]slow=(\d+)/.exec(req.url ?? '')
    if (slow) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' })
      res.flushHeaders()
      let i = 0
      const timer = setInterval(() => {
        if (!released) res.write(chunk(i++))
        else {
          clearInterval(timer)
          res.end(tail)
        }
      }, Number(slow[1]))
      res.on('close', () => clearInterval(timer))
    } else if (req.url?.includes('stream')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': 'req_bench' })
      let i = 0
      // One chunk per event-loop turn: each arrives as its own write, like a provider's token stream.
      const next = () => {
        if (i < CHUNKS) {
          res.write(chunk(i++))
          setImmediate(next)
        } else res.end(tail)
      }
      next()
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_bench' })
      res.end(json)
    }
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
})
