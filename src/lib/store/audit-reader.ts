/**
 * Offline access to an audit log in a SQLite file, for `rtcc audit verify --db`: the reads verify
 * makes, over one read snapshot of the file, and for a file on disk the leaf-hash pages computed in
 * worker threads (audit-leaf-workers.ts).
 */
import type {AuditLogReader} from '../audit/verify.js'
import * as audit from './audit.js'
import {leafHashPagesInWorkers} from './audit-leaf-workers.js'
import type {Db} from './db.js'

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
    leafHashPages: db.memory ? undefined : (size, pageSize, cuts) => leafHashPagesInWorkers(db.name, size, pageSize, cuts),
  }
  db.exec('BEGIN')
  try {
    return await fn(reader)
  } finally {
    if (db.inTransaction) db.exec('COMMIT')
  }
}
