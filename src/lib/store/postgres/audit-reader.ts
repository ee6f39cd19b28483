/**
 * Offline access to an audit log in a PostgreSQL database, for `rtcc audit verify --database`: the
 * reads verify makes, over one read-only REPEATABLE READ snapshot. Nothing is migrated or written.
 *
 * The database renders each record's leaf text (most of verify's time), so the record pages are read
 * over two connections that share the snapshot (pg_export_snapshot / SET TRANSACTION SNAPSHOT): two
 * backends render alternate pages while this process hashes the previous ones.
 */
import pg from 'pg'

import {hashTextPage, pagesInOrder, type AuditLogReader, type LeafHashPage} from '../../audit/verify.js'
import * as audit from './audit.js'
import './pg-store.js' // bigint columns as numbers, as the store reads them

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'

/** Leaf-hash pages of records 1…size, alternate pages read on each client, two pages per client in flight. */
async function* leafHashPagesOver(clients: readonly pg.Client[], size: number, pageSize: number): AsyncGenerator<LeafHashPage> {
  const pages = Math.ceil(size / pageSize)
  const start = (index: number): Promise<LeafHashPage> => {
    const after = index * pageSize
    const count = Math.min(pageSize, size - after)
    return audit.auditRowTextPage(clients[index % clients.length]!, after, count).then(
      (texts) => hashTextPage(texts, after, count),
      () => ({after, count, suspects: []}), // read it the canonical way
    )
  }
  yield* pagesInOrder(pages, 2 * clients.length, start)
}

/** Runs fn with a reader over one read-only snapshot of the database at `url`. */
export async function withPostgresAuditSnapshot<T>(url: string, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: url})
  const second = new pg.Client({connectionString: url})
  await Promise.all([client.connect(), second.connect()])
  try {
    await client.query(SNAPSHOT)
    const {rows} = await client.query<{id: string}>('SELECT pg_export_snapshot() AS id')
    await second.query(SNAPSHOT)
    await second.query(`SET TRANSACTION SNAPSHOT '${rows[0]!.id}'`)
    const reader: AuditLogReader = {
      listCheckpoints: () => audit.listCheckpoints(client),
      auditSeqsContiguous: () => audit.auditSeqsContiguous(client),
      auditSeqBreaks: () => audit.auditSeqBreaks(client),
      auditRowTextPage: (afterSeq, limit) => audit.auditRowTextPage(client, afterSeq, limit),
      auditRowValuesPage: (afterSeq, limit) => audit.auditRowValuesPage(client, afterSeq, limit),
      lastAuditSeq: () => audit.lastAuditSeq(client),
      leafHashPages: (size, pageSize) => leafHashPagesOver([client, second], size, pageSize),
    }
    const result = await fn(reader)
    await Promise.all([client.query('COMMIT'), second.query('COMMIT')])
    return result
  } finally {
    await Promise.all([client.end(), second.end()])
  }
}
