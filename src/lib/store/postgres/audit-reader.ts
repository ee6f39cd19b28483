/**
 * Offline access to an audit log in a PostgreSQL database, for `rtcc audit verify --database`: the
 * reads verify makes, over one read-only REPEATABLE READ snapshot on a single connection. Nothing is
 * migrated or written.
 */
import pg from 'pg'

import type {AuditLogReader} from '../../audit/verify.js'
import * as audit from './audit.js'
import './pg-store.js' // bigint columns as numbers, as the store reads them

/** Runs fn with a reader over one read-only snapshot of the database at `url`. */
export async function withPostgresAuditSnapshot<T>(url: string, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    const reader: AuditLogReader = {
      listCheckpoints: () => audit.listCheckpoints(client),
      auditSeqsContiguous: () => audit.auditSeqsContiguous(client),
      auditSeqBreaks: () => audit.auditSeqBreaks(client),
      auditRowTextPage: (afterSeq, limit) => audit.auditRowTextPage(client, afterSeq, limit),
      auditRowValuesPage: (afterSeq, limit) => audit.auditRowValuesPage(client, afterSeq, limit),
      lastAuditSeq: () => audit.lastAuditSeq(client),
    }
    const result = await fn(reader)
    await client.query('COMMIT')
    return result
  } finally {
    await client.end()
  }
}
