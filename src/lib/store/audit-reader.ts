/**
 * Offline access to an audit log in a SQLite file, for `rtcc audit verify --db`: the reads verify
 * makes, over one read snapshot of the file.
 */
import type {AuditLogReader} from '../audit/verify.js'
import * as audit from './audit.js'
import type {Db} from './db.js'

/** Runs fn with a reader over one read transaction of `db` (nothing is written). */
export async function withSqliteAuditSnapshot<T>(db: Db, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const reader: AuditLogReader = {
    listCheckpoints: async () => audit.listCheckpoints(db),
    auditSeqsContiguous: async () => audit.auditSeqsContiguous(db),
    auditSeqBreaks: async () => audit.auditSeqBreaks(db),
    auditRowTextPage: async (afterSeq, limit) => audit.auditRowTextPage(db, afterSeq, limit),
    auditRowValuesPage: async (afterSeq, limit) => audit.auditRowValuesPage(db, afterSeq, limit),
  }
  db.exec('BEGIN')
  try {
    return await fn(reader)
  } finally {
    if (db.inTransaction) db.exec('COMMIT')
  }
}
