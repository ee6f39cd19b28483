/**
 * One id per test run: PostgreSQL test databases are named after it, and the run drops whatever is left
 * of them at the end (a server test's database lives as long as its data dir, through restarts).
 */
import {randomBytes} from 'node:crypto'

import {admin, testDatabasePrefix} from './helpers/database.js'

export function setup(): () => Promise<void> {
  const run = randomBytes(4).toString('hex')
  process.env.RTCC_TEST_RUN = run
  return async () => {
    const prefix = testDatabasePrefix(run)
    await admin(async (client) => {
      const {rows} = await client.query<{datname: string}>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix])
      for (const {datname} of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`)
    }).catch((error: Error) => {
      // Without PostgreSQL the store tests have already failed, saying so; nothing is left to drop.
      if (process.env.RTCC_TEST_BACKEND === 'postgres') throw error
    })
  }
}
