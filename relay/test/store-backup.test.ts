import { randomBytes, randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { withTempDir } from '@byok/test-kit'
import { describe, expect, it } from 'vitest'
import { openSqliteStore, type Store } from '../src/index.js'

async function addUser(store: Store): Promise<Buffer> {
  const hash = randomBytes(32)
  await store.createUser(
    { id: randomUUID(), appId: 'backup-test', createdAt: Date.now() },
    {
      hash,
      createdAt: Date.now(),
      expiresAt: null,
    },
  )
  return hash
}

describe('Store.backup', () => {
  it('finishes under continuous writes from another connection and holds every earlier write', async () => {
    await withTempDir(async (dir) => {
      const dbPath = join(dir, 'relay.db')
      const writer = openSqliteStore(dbPath)
      const before: Buffer[] = []
      // Well over the first backup step (100 pages), so a restart between steps is possible.
      for (let i = 0; i < 8000; i++) before.push(await addUser(writer))
      const reader = openSqliteStore(dbPath, { readOnly: true })
      let stop = false
      let during = 0
      const writes = (async () => {
        while (!stop) {
          await addUser(writer)
          during += 1
          await new Promise((resolve) => setImmediate(resolve))
        }
      })()
      const fractions: number[] = []
      try {
        await reader.backup(join(dir, 'snapshot.db'), (f) => fractions.push(f))
      } finally {
        stop = true
        await writes
        await reader.close()
        await writer.close()
      }
      expect(fractions.at(-1)).toBe(1)
      expect(during).toBeGreaterThan(0)
      // More than one step: the restart-after-a-write path was exercised.
      expect(fractions.length).toBeGreaterThan(1)

      const snapshot = openSqliteStore(join(dir, 'snapshot.db'), { readOnly: true })
      try {
        for (const hash of before) expect(await snapshot.findToken(hash)).toBeDefined()
      } finally {
        await snapshot.close()
      }
    })
    // 8,000 inserts and a stepwise backup: a few seconds on a loaded 2-core machine; the loop ends with the backup.
  }, 30_000)

  it('a read-only store refuses a file without a relay schema and never creates one', async () => {
    await withTempDir(async (dir) => {
      expect(() => openSqliteStore(join(dir, 'missing.db'), { readOnly: true })).toThrow()
    })
  })
})
