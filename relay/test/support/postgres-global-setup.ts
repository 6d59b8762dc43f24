import { providePostgres } from '@byok/test-kit/postgres'
import type { TestProject } from 'vitest/node'
import { openPostgresStore } from '../../src/store/postgres.js'

/** One Postgres cluster per run; its template database holds the relay's migrated schema. */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return providePostgres(project, async (url) => (await openPostgresStore(url)).close())
}
