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

/**
 * The records with seq in (?, ?] as one chunk of a page for the verify workers (audit-leaf-workers.ts
 * explains the format): the stored leaves joined by newlines in one BLOB (the reader puts the newline
 * before the first), and the stored leaf hashes in another. A hash that is not a 32-byte BLOB, or whose
 * leaf is not text (SQLite's JSON functions would read a BLOB as JSONB, so the generated columns would
 * not show what is hashed), is replaced by zeros: a mismatch, which verify reports. `leaf_hash >= x''`
 * holds exactly for a BLOB (NULL, numbers and text sort before every BLOB, and no affinity converts a
 * BLOB) at less cost than typeof(). Two values per chunk instead of one per row: SQLite concatenates in
 * C. Both aggregates take the rows in the same (rowid) order; the worker checks every record's seq anyway.
 */
const PAGE_SQL = `SELECT CAST(group_concat(leaf, char(10)) AS BLOB),
  CAST(group_concat(iif(leaf_hash >= x'' AND length(leaf_hash) = 32 AND typeof(leaf) = 'text', leaf_hash, zeroblob(32)), '') AS BLOB)
  FROM audit_records WHERE seq > ? AND seq <= ?`

// Runs in each verify worker: its own read-only connection to the file, memory-mapped (no read call
// per database page). A page is read in chunks of CHUNK records copied into buffers kept across pages:
// one aggregate of a whole page (megabytes) costs more to hand to JavaScript, in fresh memory each
// time, than reading it, and smaller chunks cost more statements. A chunk with no rows fails the page.
const PAGE_READER = `
function openPageReader({driver, nativeBinding, file, sql, chunk}) {
  const Database = require(driver)
  const db = new Database(file, {readonly: true, fileMustExist: true, nativeBinding})
  db.pragma('mmap_size = 2147418112')
  const statement = db.prepare(sql).raw()
  let json = Buffer.allocUnsafeSlow(1 << 20)
  let hashes = Buffer.allocUnsafeSlow(1 << 16)
  const room = (buffer, size) => (size <= buffer.length ? buffer : Buffer.allocUnsafeSlow(Math.max(size, 2 * buffer.length)))
  return {
    read(after, count) {
      let [j, h] = [0, 0]
      for (let from = after; from < after + count; from += chunk) {
        const [leaves, leafHashes] = statement.get(from, Math.min(from + chunk, after + count))
        if (!leaves || !leafHashes) return undefined
        const [moreJson, moreHashes] = [room(json, j + 1 + leaves.length), room(hashes, h + leafHashes.length)]
        if (moreJson !== json) json.copy(moreJson, 0, 0, j)
        if (moreHashes !== hashes) hashes.copy(moreHashes, 0, 0, h)
        ;[json, hashes] = [moreJson, moreHashes]
        json[j++] = 10
        j += leaves.copy(json, j)
        h += leafHashes.copy(hashes, h)
      }
      return {json: json.subarray(0, j), hashes: hashes.subarray(0, h)}
    },
    close: () => db.close(),
  }
}
`
const CHUNK = 1024
const require = createRequire(import.meta.url)
const driver = require.resolve('better-sqlite3')
/**
 * The driver's compiled addon where its install puts it: given to the workers, it spares each the
 * search the `bindings` package makes on the thread's first open (2–10 ms of its start-up). If not
 * there, they search as usual.
 */
const nativeBinding = ((): string | undefined => {
  try {
    return require.resolve('better-sqlite3/build/Release/better_sqlite3.node')
  } catch {
    return undefined
  }
})()
/** The verify workers' reader of pages from the SQLite file at `file`. */
export const sqlitePageReader = (file: string): PageReaderSource => ({
  source: PAGE_READER,
  data: {driver, nativeBinding, file, sql: PAGE_SQL, chunk: CHUNK},
})

/** Runs fn with a reader over one read transaction of `db` (nothing is written). */
export async function withSqliteAuditSnapshot<T>(db: Db, fn: (reader: AuditLogReader) => Promise<T>): Promise<T> {
  const reader: AuditLogReader = {
    listCheckpoints: async () => audit.listCheckpoints(db),
    auditSeqsContiguous: async () => audit.auditSeqsContiguous(db),
    auditSeqBreaks: async () => audit.auditSeqBreaks(db),
    auditLeafPage: async (afterSeq, limit) => audit.auditLeafPage(db, afterSeq, limit),
    auditSchemaProblems: async () => audit.auditSchemaProblems(db),
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
