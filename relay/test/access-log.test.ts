import { execFile } from 'node:child_process'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it, onTestFinished } from 'vitest'
import { buildTestApp, registerUser, storeKey } from './helpers.js'

interface Line {
  msg: string
  reqId?: string
  req?: { method: string; path: string; ip?: string; headers?: unknown }
  res?: { statusCode: number }
  responseTime?: number
}

function capture(): { lines: Line[]; sink: { write(line: string): void } } {
  const lines: Line[] = []
  return { lines, sink: { write: (line) => void lines.push(JSON.parse(line) as Line) } }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as AddressInfo).port
}

describe('access log (LOG_LEVEL=info)', () => {
  it('writes one line per request with reqId, method, path without the query, IP, status and time', async () => {
    const { lines, sink } = capture()
    const app = await buildTestApp({ LOG_LEVEL: 'info' }, { logSink: sink })
    await app.inject({
      method: 'GET',
      url: '/health?key=secret-in-query',
      headers: { authorization: 'Bearer byok_rt_x' },
    })
    const perRequest = lines.filter((l) => l.req !== undefined || l.res !== undefined)
    expect(perRequest).toHaveLength(1)
    const [line] = perRequest
    expect(line).toMatchObject({
      msg: 'request completed',
      req: { method: 'GET', path: '/health' },
      res: { statusCode: 200 },
    })
    expect(typeof line!.reqId).toBe('string')
    expect(typeof line!.responseTime).toBe('number')
    expect(line!.req).not.toHaveProperty('headers')
    expect(JSON.stringify(lines)).not.toMatch(/secret-in-query|byok_rt_x|incoming request/)
  })

  it('writes `request aborted` when the client leaves before the response finished', async () => {
    // Answers the key check, then holds every chat call open until the client is gone.
    const upstream = createServer((req, res) => {
      if (req.url === '/v1/models') res.end('{"data":[]}')
      else res.writeHead(200, { 'content-type': 'text/event-stream' }).write('data: {}\n\n')
    })
    const upstreamPort = await listen(upstream)
    const { lines, sink } = capture()
    const app = await buildTestApp(
      { LOG_LEVEL: 'info', OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}` },
      { logSink: sink },
    )
    const token = await registerUser(app)
    await storeKey(app, token, 'openai', 'sk-test-0123456789abcdefghij')
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = (app.server.address() as AddressInfo).port
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/relay/openai/v1/chat/completions',
          headers: { 'content-type': 'application/json', 'x-relay-token': token },
        },
        (res) => {
          res.once('data', () => {
            req.destroy()
            resolve()
          })
        },
      )
      req.on('error', reject)
      req.end('{"model":"gpt-4o-mini","stream":true}')
    })
    const deadline = Date.now() + 2_000
    while (!lines.some((l) => l.msg === 'request aborted') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const relayLines = lines.filter((l) => l.req?.path === '/relay/openai/v1/chat/completions')
    expect(relayLines.map((l) => l.msg)).toEqual(['request aborted'])
    expect(relayLines[0]).toMatchObject({ req: { method: 'POST' }, res: { statusCode: 200 } })
  })
})

describe('the log on standard output', () => {
  // Access lines wait in a buffer (32 KB or 100 ms); any other line flushes it first, and exit flushes the rest.
  it('keeps every line and their order, across batches, a warning in between and exit', async () => {
    const logger = pathToFileURL(fileURLToPath(new URL('../src/logger.ts', import.meta.url))).href
    const script = `
      const { createLoggerOptions } = await import(${JSON.stringify(logger)})
      const sink = createLoggerOptions('info').logger.stream
      const access = (i) => sink.write(JSON.stringify({ level: 30, n: i, msg: 'request completed' }) + '\\n')
      for (let i = 0; i < 1500; i++) access(i)
      sink.write(JSON.stringify({ level: 40, n: 1500, msg: 'a warning' }) + '\\n')
      for (let i = 1501; i < 3000; i++) access(i)
      await new Promise((resolve) => setTimeout(resolve, 150))
      for (let i = 3000; i < 3010; i++) access(i)
      process.exit(0)`
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 30_000, maxBuffer: 8 * 1024 * 1024 },
    )
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { n: number; msg: string })
    expect(lines.map((line) => line.n)).toEqual(Array.from({ length: 3010 }, (_, i) => i))
    expect(lines[1500]!.msg).toBe('a warning')
  }, 30_000)
})
