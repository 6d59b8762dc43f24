// The relay in its own process for the reliability suite (forked by support.ts with --expose-gc): startRelay
// configured from the environment, plus an IPC probe that reports heap (after GC), RSS, fds and sockets.
import { readdirSync } from 'node:fs'
import { loadConfig, startRelay } from '@byok/relay'

const relay = await startRelay(loadConfig(process.env))
process.send?.({ type: 'ready', url: relay.url })

interface WithHandles {
  _getActiveHandles(): unknown[]
}

process.on('message', (message: { type: string }) => {
  if (message.type !== 'probe') return
  // Two passes: the first frees what only weak/finalizer references kept alive.
  globalThis.gc?.()
  globalThis.gc?.()
  const handles = (process as unknown as WithHandles)._getActiveHandles()
  process.send?.({
    type: 'probe',
    heapUsed: process.memoryUsage().heapUsed,
    rss: process.memoryUsage.rss(),
    fds: readdirSync('/proc/self/fd').length,
    sockets: handles.filter((h) => h?.constructor?.name === 'Socket').length,
  })
})
process.on('disconnect', () => {
  relay.close(1_000).then(
    () => process.exit(0),
    () => process.exit(1),
  )
})
