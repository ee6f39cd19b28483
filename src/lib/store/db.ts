/**
 * Opens the SQLite database (WAL) and brings its schema up to date with the numbered, forward-only
 * migrations in ./migrations.ts. Only store/ knows SQL; everything else calls repository functions.
 */
import Database from 'better-sqlite3'
import {closeSync, openSync} from 'node:fs'

import {registerFunctions} from './functions.js'
import {migrations} from './migrations.js'

export type Db = Database.Database

// Statements run on every API request (credential checks, audit appends) are compiled once per
// connection: `db.prepare` costs more than running such a one-row statement.
const statementCache = new WeakMap<Db, Map<string, Database.Statement>>()

/** `db.prepare(sql)`, compiled on first use and reused after. For fixed SQL text only (not built from values). */
export function cached(db: Db, sql: string): Database.Statement {
  let statements = statementCache.get(db)
  if (!statements) statementCache.set(db, (statements = new Map()))
  let statement = statements.get(sql)
  if (!statement) statements.set(sql, (statement = db.prepare(sql)))
  return statement
}

export function openDatabase(file: string, options: {readonly?: boolean} = {}): Db {
  // Created owner-only whatever the umask: SQLite gives its -wal and -shm files the database file's mode.
  if (!options.readonly) closeSync(openSync(file, 'a', 0o600))
  const db = new Database(file, {readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false})
  if (!options.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    migrate(db)
  }
  registerFunctions(db)
  return db
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', {simple: true}) as number
}

export function migrate(db: Db): void {
  const current = schemaVersion(db)
  for (const [index, sql] of migrations.entries()) {
    const version = index + 1
    if (version <= current) continue
    db.transaction(() => {
      db.exec(sql)
      db.pragma(`user_version = ${version}`)
    })()
  }
}
