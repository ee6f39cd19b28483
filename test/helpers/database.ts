/**
 * Which store the server tests run on: SQLite by default, PostgreSQL when RTCC_TEST_BACKEND=postgres.
 * Each PostgreSQL test server gets a database of its own, dropped when it stops. Under CI a missing
 * PostgreSQL fails the run instead of skipping it.
 */
import {randomBytes} from 'node:crypto'

import pg from 'pg'

export type Backend = 'sqlite' | 'postgres'

export const backendUnderTest = (): Backend => (process.env.RTCC_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite')

/** The maintenance database tests create theirs from. */
const ADMIN_URL = process.env.RTCC_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDatabase {
  url: string
  drop(): Promise<void>
}

export async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: ADMIN_URL})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Databases of this test run share a prefix, so the run's teardown (test/global-setup.ts) drops any a test left. */
export const testDatabasePrefix = (run = process.env.RTCC_TEST_RUN ?? 'adhoc') => `rtcc_test_${run}_`

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `${testDatabasePrefix()}${process.pid}_${randomBytes(4).toString('hex')}`
  await admin((client) => client.query(`CREATE DATABASE ${name}`))
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => admin(async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))),
  }
}
