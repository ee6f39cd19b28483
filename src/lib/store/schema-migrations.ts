/**
 * `rtcc server migrate`: which numbered migrations a database still lacks, and applying them, on
 * either backend. SQLite keeps its version in `PRAGMA user_version` (store/migrations.ts); PostgreSQL
 * in the `rtcc_schema` table (store/postgres/migrate.ts, under an advisory lock). A dry run changes
 * nothing: it neither creates the SQLite file nor the version table.
 */
import {existsSync, mkdirSync} from 'node:fs'
import {dirname} from 'node:path'

import {RtccError} from '../errors.js'
import {openDatabase, schemaVersion} from './db.js'
import {migrations} from './migrations.js'
import {type DatabaseTarget, postgresError} from './open.js'
import {postgresMigrations} from './postgres/schema.js'

export interface MigrationStep {
  version: number
  title: string
}

export interface MigrationReport {
  backend: 'sqlite' | 'postgres'
  /** The SQLite file, or the PostgreSQL URL without its password. */
  database: string
  /** Schema version before this run (0: no rtcc schema yet). */
  from: number
  /** Schema version after this run (= from on a dry run). */
  to: number
  latest: number
  /** Migrations the database lacked when this run started. */
  pending: MigrationStep[]
  /** Migrations this run applied (none on a dry run). */
  applied: MigrationStep[]
  dryRun: boolean
}

/** The `-- N: title` first comment line of a migration, without its number. */
export function migrationTitle(sql: string): string {
  const line = /--\s*(.*)/.exec(sql)?.[1]?.trim()
  return line ? line.replace(/^\d+\s*:\s*/, '') : '(untitled)'
}

const steps = (list: readonly string[], after: number): MigrationStep[] =>
  list.map((sql, index) => ({version: index + 1, title: migrationTitle(sql)})).filter((step) => step.version > after)

function tooNew(current: number, latest: number, database: string): RtccError {
  return new RtccError(`the database ${database} is at schema version ${current}, newer than this rtcc knows (${latest})`, {
    code: 'schema_too_new',
    hint: 'Run a newer rtcc against it; migrations only go forward.',
  })
}

export async function migrateDatabase(target: DatabaseTarget, options: {dryRun?: boolean} = {}): Promise<MigrationReport> {
  const dryRun = options.dryRun ?? false
  return target.backend === 'sqlite' ? migrateSqlite(target.file, dryRun) : migratePostgresTarget(target, dryRun)
}

function migrateSqlite(file: string, dryRun: boolean): MigrationReport {
  const latest = migrations.length
  let from = 0
  if (existsSync(file)) {
    const db = openDatabase(file, {readonly: true})
    try {
      from = schemaVersion(db)
    } finally {
      db.close()
    }
  }
  if (from > latest) throw tooNew(from, latest, file)
  const pending = steps(migrations, from)
  let to = from
  if (!dryRun && pending.length > 0) {
    mkdirSync(dirname(file), {recursive: true, mode: 0o700}) // a data dir is owner-only, as the server creates it
    const db = openDatabase(file) // applies every pending migration, each in its own transaction
    try {
      to = schemaVersion(db)
    } finally {
      db.close()
    }
  }
  return {backend: 'sqlite', database: file, from, to, latest, pending, applied: pending.filter((step) => step.version <= to), dryRun}
}

async function migratePostgresTarget(target: Extract<DatabaseTarget, {backend: 'postgres'}>, dryRun: boolean): Promise<MigrationReport> {
  const [{default: pg}, {migratePostgres}] = await Promise.all([import('pg'), import('./postgres/migrate.js')])
  const pool = new pg.Pool({connectionString: target.connection.connectionString, ssl: target.connection.ssl, max: 2})
  pool.on('error', () => undefined)
  const latest = postgresMigrations.length
  try {
    const version = async (): Promise<number> => {
      // Table names resolve when a statement is parsed: ask whether the version table exists first.
      const exists = await pool.query<{found: boolean}>(`SELECT to_regclass('rtcc_schema') IS NOT NULL AS found`)
      if (!exists.rows[0]?.found) return 0
      const {rows} = await pool.query<{version: number}>('SELECT coalesce(max(version), 0)::int AS version FROM rtcc_schema')
      return Number(rows[0]?.version ?? 0)
    }
    const from = await version()
    if (from > latest) throw tooNew(from, latest, target.display)
    const pending = steps(postgresMigrations, from)
    let to = from
    if (!dryRun && pending.length > 0) {
      await migratePostgres(pool)
      to = await version()
    }
    return {backend: 'postgres', database: target.display, from, to, latest, pending, applied: pending.filter((step) => step.version <= to), dryRun}
  } catch (error) {
    throw postgresError(error, target.display)
  } finally {
    await pool.end()
  }
}
