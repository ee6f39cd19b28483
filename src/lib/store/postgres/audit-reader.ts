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
// a header, then per row the field count and each field's length and bytes, -1 to end. The rows are
// laid out as the page format (audit-leaf-workers.ts) with one copy each.
const PAGE_READER = `
async function openPageReader({driver, copy, url, snapshot, sql}) {
  const {Client} = require(driver)
  const {to} = require(copy)
  const client = new Client({connectionString: url})
  await client.connect()
  await client.query(${JSON.stringify(SNAPSHOT)})
  await client.query("SET TRANSACTION SNAPSHOT '" + snapshot + "'")
  return {
    async read(after, count) {
      const page = sql.replace('$1', String(after)).replace('$2', String(after + count))
      const chunks = []
      for await (const chunk of client.query(to('COPY (' + page + ') TO STDOUT (FORMAT binary)'))) chunks.push(chunk)
      const data = Buffer.concat(chunks)
      const json = Buffer.allocUnsafe(data.length)
      const hashes = Buffer.allocUnsafe(32 * count)
      let [at, j, h] = [19 + data.readInt32BE(15), 0, 0]
      while (data.readInt16BE(at) === 2) {
        const length = data.readInt32BE(at + 2)
        if (length < 0 || data.readInt32BE(at + 6 + length) !== 32 || h === hashes.length) return undefined
        json[j++] = 10
        j += data.copy(json, j, at + 6, at + 6 + length)
        h += data.copy(hashes, h, at + 10 + length, at + 42 + length)
        at += 42 + length
      }
      return {json: json.subarray(0, j), hashes: hashes.subarray(0, h)}
    },
    close: () => client.end(),
  }
}
`
const resolve = createRequire(import.meta.url).resolve
const [driver, copy] = [resolve('pg'), resolve('pg-copy-streams')]

/** Runs fn with a reader over one read-only snapshot of the database at `url`. */
export async function withPostgresAuditSnapshot<T>(url: string, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const client = new pg.Client({connectionString: url})
  await client.connect()
  try {
    await client.query(SNAPSHOT)
    const {rows} = await client.query<{id: string}>('SELECT pg_export_snapshot() AS id')
    const pages: PageReaderSource = {source: PAGE_READER, data: {driver, copy, url, snapshot: rows[0]!.id, sql: audit.AUDIT_PAGE_SQL}}
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
