/**
 * Offline access to an audit log in a SQLite file, for `rtcc audit verify --db`: the reads verify
 * makes, over one read snapshot of the file, and for a file on disk the leaf-hash pages computed in
 * worker threads (audit-leaf-workers.ts).
 */
import {createRequire} from 'node:module'

import type {AuditLogReader} from '../audit/verify.js'
import * as audit from './audit.js'
import {leafHashPagesInWorkers, type PageReaderSource} from './audit-leaf-workers.js'
import type {Db} from './db.js'

// Runs in each verify worker: its own read-only connection to the file, one statement per page.
const PAGE_READER = `
function openPageReader({driver, file, sql}) {
  const Database = require(driver)
  const db = new Database(file, {readonly: true, fileMustExist: true})
  const page = db.prepare(sql).raw()
  return {
    read(after, count) {
      const [json, hashes] = page.get(after, after + count)
      return {json, hashes}
    },
    close: () => db.close(),
  }
}
`
const driver = createRequire(import.meta.url).resolve('better-sqlite3')
/** The verify workers' reader of pages from the SQLite file at `file`. */
export const sqlitePageReader = (file: string): PageReaderSource => ({source: PAGE_READER, data: {driver, file, sql: audit.AUDIT_PAGE_SQL}})

/** Runs fn with a reader over one read transaction of `db` (nothing is written). */
export async function withSqliteAuditSnapshot<T>(db: Db, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const reader: AuditLogReader = {
    listCheckpoints: async () => audit.listCheckpoints(db),
    auditSeqsContiguous: async () => audit.auditSeqsContiguous(db),
    auditSeqBreaks: async () => audit.auditSeqBreaks(db),
    auditRowTextPage: async (afterSeq, limit) => audit.auditRowTextPage(db, afterSeq, limit),
    auditRowValuesPage: async (afterSeq, limit) => audit.auditRowValuesPage(db, afterSeq, limit),
    lastAuditSeq: async () => audit.lastAuditSeq(db),
    // Other connections see the same records only in a file (append-only: seqs ≤ size never change).
    leafHashPages: db.memory ? undefined : (size, pageSize, cuts) => leafHashPagesInWorkers(sqlitePageReader(db.name), size, pageSize, cuts),
  }
  db.exec('BEGIN')
  try {
    return await fn(reader)
  } finally {
    if (db.inTransaction) db.exec('COMMIT')
  }
}
