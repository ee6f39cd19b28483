/**
 * Offline access to an audit log in a PostgreSQL database, for `rtcc audit verify --database`: the
 * reads verify makes, over one read-only REPEATABLE READ snapshot. Nothing is migrated or written.
 *
 * The record pages (each record's stored leaf bytes and leaf hash) are read and hashed in worker threads
 * (store/audit-leaf-workers.ts), each with its own connection that imports the snapshot
 * (pg_export_snapshot / SET TRANSACTION SNAPSHOT): two backends send alternate pages while this
 * process checks the tree.
 */
import {createRequire} from 'node:module'

import pg from 'pg'

import type {AuditLogReader} from '../../audit/verify.js'
import {leafHashPagesInWorkers, type PageReaderSource} from '../audit-leaf-workers.js'
import * as audit from './audit.js'
import './pg-store.js' // bigint columns as numbers, as the store reads them

const SNAPSHOT = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'

// Runs in each verify worker: its own connection on the exported snapshot, one COPY … (FORMAT binary)
// per page, so the values arrive as raw bytes (the driver would decode a query's values into strings):
// a header, then one CopyData message per row, each the field count and each field's length and bytes,
// -1 to end. Each row is laid out in the page format (audit-leaf-workers.ts) as pg's own protocol
// parser hands it over (it reuses its buffer: a message is copied out before the next one arrives):
// pg-copy-streams' per-message parsing, the concatenation and a second pass cost twice the CPU
// (300k records: 370 -> 180 ms in a fresh worker, 200 -> 150 ms warm). Any row that is not two
// fields, a leaf and a 32-byte hash, or one row too many, fails the page.
const PAGE_READER = `
async function openPageReader({driver, url, snapshot, sql}) {
  const {Client} = require(driver)
  const client = new Client({connectionString: url})
  await client.connect()
  await client.query(${JSON.stringify(SNAPSHOT)})
  await client.query("SET TRANSACTION SNAPSHOT '" + snapshot + "'")
  return {
    read: (after, count) =>
      new Promise((resolve, reject) => {
        const page = sql.replace('$1', String(after)).replace('$2', String(after + count))
        const hashes = Buffer.allocUnsafe(32 * count)
        let [json, j, h, header, failed] = [Buffer.allocUnsafe(512 * count), 0, 0, true, false]
        const row = (data, at) => {
          const length = data.readInt16BE(at) === 2 ? data.readInt32BE(at + 2) : -1
          if (length < 0 || at + 42 + length > data.length || data.readInt32BE(at + 6 + length) !== 32 || h === hashes.length) return -1
          if (j + 1 + length > json.length) json = Buffer.concat([json.subarray(0, j)], 2 * (j + 1 + length))
          json[j++] = 10
          j += data.copy(json, j, at + 6, at + 6 + length)
          h += data.copy(hashes, h, at + 10 + length, at + 42 + length)
          return at + 42 + length
        }
        client.query({
          submit: (connection) => connection.query('COPY (' + page + ') TO STDOUT (FORMAT binary)'),
          handleCopyData({chunk}) {
            let at = header ? 19 + chunk.readInt32BE(15) : 0
            header = false
            while (!failed && at < chunk.length && chunk.readInt16BE(at) !== -1) failed = (at = row(chunk, at)) < 0
          },
          handleCommandComplete() {},
          handleError: reject,
          handleReadyForQuery: () => resolve(failed ? undefined : {json: json.subarray(0, j), hashes: hashes.subarray(0, h)}),
        })
      }),
    close: () => client.end(),
  }
}
`
const driver = createRequire(import.meta.url).resolve('pg')

/** Runs fn with a reader over one read-only snapshot of the database at `url`. */
export async function withPostgresAuditSnapshot<T>(url: string, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(SNAPSHOT)
    const {rows} = await client.query<{id: string}>('SELECT pg_export_snapshot() AS id')
    const pages: PageReaderSource = {source: PAGE_READER, data: {driver, url, snapshot: rows[0]!.id, sql: audit.AUDIT_PAGE_SQL}}
    const reader: AuditLogReader = {
      listCheckpoints: () => audit.listCheckpoints(client),
      auditSeqsContiguous: () => audit.auditSeqsContiguous(client),
      auditSeqBreaks: () => audit.auditSeqBreaks(client),
      auditLeafPage: (afterSeq, limit) => audit.auditLeafPage(client, afterSeq, limit),
      auditSchemaProblems: () => audit.auditSchemaProblems(client),
      lastAuditSeq: () => audit.lastAuditSeq(client),
      // The snapshot stays exported while this transaction is open, i.e. until fn returns.
      leafHashPages: (size, pageSize, cuts) => leafHashPagesInWorkers(pages, size, pageSize, cuts),
    }
    const result = await fn(reader)
    await client.query('COMMIT')
    return result
  } finally {
    await client.end()
  }
}
