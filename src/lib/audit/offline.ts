/**
 * `rtcc audit verify --db FILE | --database URL`: verifies a copied SQLite file or a PostgreSQL
 * database directly, with no server, against the audit public key the user gives. Nothing is written.
 * (Verification through the server is client/audit.ts; both return the same report.)
 */
import type {KeyObject} from 'node:crypto'
import {existsSync} from 'node:fs'

import {RtccError, usageError} from '../errors.js'
import {withSqliteAuditSnapshot} from '../store/audit-reader.js'
import {openDatabase} from '../store/db.js'
import {loadVerifier, readSavedCheckpoint} from './saved-checkpoint.js'
import {verifyAuditLog, type VerifyReport, type VerifyResult} from './verify.js'

/** Where an offline verification reads the log: a SQLite file, or a PostgreSQL URL. */
export type OfflineSource = {db: string} | {database: string}

/** Verifies a database offline (a copied SQLite file, or a PostgreSQL database read without writing). */
export async function verifyOffline(source: OfflineSource, publicKeyFile: string, sinceCheckpointFile?: string): Promise<VerifyReport> {
  const verifier = loadVerifier(publicKeyFile)
  const saved = sinceCheckpointFile ? readSavedCheckpoint(sinceCheckpointFile) : undefined
  const options = {sinceCheckpoint: saved?.note}
  const publicKey = verifier.publicKey as KeyObject
  let result: VerifyResult
  if ('database' in source) {
    // pg is loaded only here: verifying a SQLite file never imports it.
    const {withPostgresAuditSnapshot} = await import('../store/postgres/audit-reader.js')
    try {
      result = await withPostgresAuditSnapshot(source.database, (reader) => verifyAuditLog(reader, publicKey, options))
    } catch (error) {
      if (error instanceof RtccError) throw error
      throw new RtccError(`cannot read the audit log from the PostgreSQL database: ${(error as Error).message}`, {
        code: 'database_unavailable',
        hint: 'Check the postgres:// URL (host, port, user, database name).',
      })
    }
  } else {
    if (!existsSync(source.db)) throw usageError(`database ${source.db} does not exist`)
    const db = openDatabase(source.db, {readonly: true})
    try {
      result = await withSqliteAuditSnapshot(db, (reader) => verifyAuditLog(reader, publicKey, options))
    } finally {
      db.close()
    }
  }
  return {
    ...result,
    mode: 'offline',
    sinceCheckpoint: saved && sinceCheckpointFile ? {file: sinceCheckpointFile, size: saved.size, ok: result.ok, problems: result.problems} : undefined,
  }
}
