/**
 * Numbered, forward-only migrations for PostgreSQL, applied under an advisory lock so that several
 * server instances starting together apply each one exactly once.
 */
import type pg from 'pg'

import {postgresMigrations} from './schema.js'

/** Arbitrary constant: the advisory lock rtcc takes while migrating. */
const MIGRATION_LOCK = 7_273_901

export async function appliedVersion(db: pg.Pool | pg.PoolClient): Promise<number> {
  await db.query('CREATE TABLE IF NOT EXISTS rtcc_schema (version integer NOT NULL, applied_at text NOT NULL)')
  const {rows} = await db.query('SELECT coalesce(max(version), 0) AS version FROM rtcc_schema')
  return Number(rows[0].version)
}

/** Versions not yet applied, with their first comment line as a title. */
export async function pendingMigrations(pool: pg.Pool): Promise<Array<{version: number; title: string}>> {
  const current = await appliedVersion(pool)
  return postgresMigrations
    .map((sql, index) => ({version: index + 1, title: /--\s*(.*)/.exec(sql)?.[1] ?? ''}))
    .filter((m) => m.version > current)
}

export async function migratePostgres(pool: pg.Pool): Promise<number> {
  const client = await pool.connect()
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK])
    const current = await appliedVersion(client)
    for (const [index, sql] of postgresMigrations.entries()) {
      const version = index + 1
      if (version <= current) continue
      await client.query('BEGIN')
      try {
        await client.query(sql)
        await client.query('INSERT INTO rtcc_schema (version, applied_at) VALUES ($1, $2)', [version, new Date().toISOString()])
        await client.query('COMMIT')
      } catch (error) {
        await client.query('ROLLBACK')
        throw error
      }
    }
    return postgresMigrations.length
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined)
    client.release()
  }
}
