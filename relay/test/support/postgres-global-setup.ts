import pg from 'pg'
import type { TestProject } from 'vitest/node'
import { openPostgresStore } from '../../src/store/postgres.js'
import { startTestPostgres } from './postgres-server.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's embedded Postgres cluster (see postgres-server.ts). */
    postgresUrl: string
  }
}

/**
 * One Postgres cluster per test run, shared by every file of the project; stopped when the run ends. It holds a
 * migrated template, `byok_migrated`: `createTestDatabase(url, 'byok_migrated')` copies it instead of migrating.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres()
  try {
    const admin = new pg.Client({ connectionString: server.url })
    await admin.connect()
    await admin.query('CREATE DATABASE byok_migrated TEMPLATE template0').finally(() => admin.end())
    const template = new URL(server.url)
    template.pathname = '/byok_migrated'
    await (await openPostgresStore(template.href)).close()
  } catch (error) {
    await server.stop()
    throw error
  }
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}
