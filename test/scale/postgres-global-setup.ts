import { providePostgres } from '@byok/test-kit/postgres'
import type { TestProject } from 'vitest/node'

/** One Postgres cluster per run (each test creates its own database; the relay migrates it on start). */
export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return providePostgres(project)
}
