import { once } from 'node:events'
import { createServer } from 'node:net'

/**
 * A loopback port nothing listens on right now (for servers that need a fixed port: redis-server, dev servers).
 * Another process may take it before the caller binds it; tests accept that small race.
 */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (address === null || typeof address === 'string') throw new Error('no TCP port')
  return address.port
}

/** An origin on 127.0.0.1 where nothing listens: a server is bound, its port noted, and the server closed. */
export async function closedPortOrigin(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`
}
