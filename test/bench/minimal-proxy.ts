// The floor to compare against: a bare Node pass-through proxy with a keep-alive agent, no auth, no checks.
import { Agent, createServer, request } from 'node:http'

const upstreamPort = Number(process.argv[2])
const agent = new Agent({ keepAlive: true, maxSockets: 256 })

const server = createServer((req, res) => {
  const headers = { ...req.headers, host: `127.0.0.1:${upstreamPort}` }
  const upstream = request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url?.replace(/^\/relay\/openai/, ''),
      headers,
      agent,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    },
  )
  upstream.on('error', () => res.destroy())
  req.pipe(upstream)
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 })
})
