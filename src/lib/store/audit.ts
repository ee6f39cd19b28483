/**
 * SQL for the audit log: `audit_records` (one row per record, seq = leaf index + 1) and
 * `audit_checkpoints` (signed tree heads). A record is stored as its canonical leaf data (`leaf`, the
 * JSON text of src/lib/audit/record.ts whose UTF-8 bytes are hashed) and its leaf hash; every other
 * column is generated from the leaf, so nothing a query shows can change apart from what is hashed,
 * and verify hashes the stored bytes as stored.
 */

import {recordOfLeaf, type AuditOutcome, type AuditRecord} from '../audit/record.js'
import {AUDIT_RECORDS_TABLE, AUDIT_TABLE_REDEFINED, auditTablePredatesLeaves} from './audit-schema.js'
import {cached, type Db} from './db.js'

const normalized = (sql: string): string => sql.replace(/\s+/g, ' ').trim()

/**
 * What is wrong with audit_records' definition, if anything: its columns other than the leaf must be
 * the generated ones of AUDIT_RECORDS_TABLE, or a query could show values the leaf hash does not cover.
 */
export function auditSchemaProblems(db: Db): string[] {
  const sql = cached(db, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'audit_records'").pluck().get() as string | undefined
  if (sql !== undefined && normalized(sql) === normalized(AUDIT_RECORDS_TABLE)) return []
  const columns = db.prepare("SELECT name FROM pragma_table_info('audit_records')").pluck().all() as string[]
  if (columns.includes('leaf')) return [AUDIT_TABLE_REDEFINED]
  return [auditTablePredatesLeaves(db.pragma('user_version', {simple: true}) as number)]
}

export interface StoredCheckpoint {
  size: number
  rootHash: Buffer
  /** The signed note text. */
  note: string
  createdAt: string
}

export interface AuditQuery {
  /** Matches actor name or actor id. */
  actor?: string
  /** Exact action, or a prefix ending in `*` (`user.*`). */
  action?: string
  target?: string
  outcome?: AuditOutcome
  /** Inclusive lower bound on time (ISO-8601). */
  since?: string
  /** Exclusive upper bound on time (ISO-8601). */
  until?: string
  /** Only records with seq greater than this (for --follow). */
  afterSeq?: number
  limit?: number
}

/** Inserts one record: its seq, its leaf data (record.ts leafJson) and the leaf hash of that data. */
export function insertAuditRecord(db: Db, seq: number, leaf: string, leafHash: Buffer): void {
  cached(db, 'INSERT INTO audit_records (seq, leaf, leaf_hash) VALUES (?, ?, ?)').run(seq, leaf, leafHash)
}

/**
 * Inserts one record (as insertAuditRecord) only if its seq is the next one, in one statement; returns
 * whether it did. Lets the log append at the seq it expects without first asking for it (nextAuditSeq).
 * SQLite has one writer, so the guard needs no lock.
 */
export function insertNextAuditRecord(db: Db, seq: number, leaf: string, leafHash: Buffer): boolean {
  const insert = cached(db, 'INSERT INTO audit_records (seq, leaf, leaf_hash) SELECT ?, ?, ? WHERE (SELECT coalesce(max(seq), 0) FROM audit_records) = ?')
  return insert.run(seq, leaf, leafHash, seq - 1).changes === 1
}

/**
 * The seq the next record takes. Call it inside the transaction that inserts the record: appenders are
 * serialized from here to commit (SQLite has one writer; PostgreSQL takes an advisory lock), so seqs
 * stay one total order without gaps.
 */
export function nextAuditSeq(db: Db): number {
  return lastAuditSeq(db) + 1
}

/** Number of the last record (0 for an empty log). */
export function lastAuditSeq(db: Db): number {
  return cached(db, 'SELECT coalesce(max(seq), 0) FROM audit_records').pluck().get() as number
}

export function countAuditRecords(db: Db): number {
  return db.prepare('SELECT count(*) FROM audit_records').pluck().get() as number
}

export function getAuditRecord(db: Db, idOrSeq: string | number): AuditRecord | undefined {
  const where = typeof idOrSeq === 'number' ? 'seq = ?' : 'id = ?'
  const leaf = db.prepare(`SELECT leaf FROM audit_records WHERE ${where}`).pluck().get(idOrSeq) as string | undefined
  return leaf === undefined ? undefined : recordOfLeaf(leaf)
}

/**
 * Records matching the filters, oldest first. With afterSeq: the first `limit` records after it;
 * without: the most recent `limit` records.
 */
export function queryAuditRecords(db: Db, query: AuditQuery = {}): AuditRecord[] {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: string, ...values: unknown[]): void => {
    where.push(clause)
    params.push(...values)
  }
  if (query.actor !== undefined) add('(actor_name = ? OR actor_id = ?)', query.actor, query.actor)
  if (query.action !== undefined) {
    if (query.action.endsWith('*')) add("action LIKE ? ESCAPE '\\'", query.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%')
    else add('action = ?', query.action)
  }
  if (query.target !== undefined) add('target = ?', query.target)
  if (query.outcome !== undefined) add('outcome = ?', query.outcome)
  if (query.since !== undefined) add('time >= ?', query.since)
  if (query.until !== undefined) add('time < ?', query.until)
  if (query.afterSeq !== undefined) add('seq > ?', query.afterSeq)
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  const newestFirst = query.afterSeq === undefined
  const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`
  const leaves = db
    .prepare(`SELECT leaf FROM audit_records ${filter} ORDER BY seq ${newestFirst ? 'DESC' : 'ASC'} ${limit}`)
    .pluck()
    .all(...params) as string[]
  if (newestFirst) leaves.reverse()
  return leaves.map(recordOfLeaf)
}

/** A stored record as verify reads it: seq, the leaf's bytes as stored (null if the leaf is not text), the stored leaf hash. */
export type AuditLeafRow = [seq: number, leaf: Buffer | null, leafHash: unknown]

/** Up to `limit` records after `afterSeq` in seq order, as AuditLeafRows. */
export function auditLeafPage(db: Db, afterSeq: number, limit: number): AuditLeafRow[] {
  return cached(db, "SELECT seq, iif(typeof(leaf) = 'text', CAST(leaf AS BLOB), NULL), leaf_hash FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?")
    .raw()
    .all(afterSeq, limit) as AuditLeafRow[]
}

/** Whether seqs run 1, 2, 3… without a gap, from three aggregates (no scan in JavaScript). */
export function auditSeqsContiguous(db: Db): boolean {
  const [count, min, max] = cached(db, 'SELECT count(*), min(seq), max(seq) FROM audit_records').raw().get() as [number, number | null, number | null]
  return count === 0 || (min === 1 && max === count)
}

/** Records whose seq is not one more than the previous record's (the first must be 1), with that previous seq. */
export function auditSeqBreaks(db: Db): Array<{seq: number; id: string; previous: number | null}> {
  return db
    .prepare(
      `SELECT seq, id, (SELECT max(seq) FROM audit_records p WHERE p.seq < a.seq) AS previous FROM audit_records a
       WHERE seq < 1 OR (seq > 1 AND NOT EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = a.seq - 1)) ORDER BY seq`,
    )
    .all() as Array<{seq: number; id: string; previous: number | null}>
}

/** Up to `limit` [seq, leaf_hash] rows after `afterSeq`, in seq order: the log's catch-up read, in one query. */
export function auditLeavesAfter(db: Db, afterSeq: number, limit: number): Array<[number, Buffer]> {
  return cached(db, 'SELECT seq, leaf_hash FROM audit_records WHERE seq > ? ORDER BY seq LIMIT ?').raw().all(afterSeq, limit) as Array<[number, Buffer]>
}

/** Stored leaf hashes for leaf indexes [start, end), i.e. seq in (start, end]; fewer if rows are missing. */
export function auditLeafHashes(db: Db, start: number, end: number): Buffer[] {
  return cached(db, 'SELECT leaf_hash FROM audit_records WHERE seq > ? AND seq <= ? ORDER BY seq').pluck().all(start, end) as Buffer[]
}

export function insertCheckpoint(db: Db, checkpoint: StoredCheckpoint): void {
  cached(db, 'INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES (?, ?, ?, ?)').run(
    checkpoint.size,
    checkpoint.rootHash,
    checkpoint.note,
    checkpoint.createdAt,
  )
}

const CHECKPOINT_COLUMNS = 'size, root_hash AS rootHash, note, created_at AS createdAt'

/** All checkpoints, smallest size first. */
export function listCheckpoints(db: Db): StoredCheckpoint[] {
  return db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size`).all() as StoredCheckpoint[]
}

export function latestCheckpoint(db: Db): StoredCheckpoint | undefined {
  return db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size DESC LIMIT 1`).get() as StoredCheckpoint | undefined
}

/** Stores (or replaces) a witness's cosignature line over the checkpoint at `size`. */
export function upsertCosignature(db: Db, cosignature: {size: number; cosigner: string; line: string; signedAt: number}): void {
  cached(db, 'INSERT OR REPLACE INTO audit_cosignatures (size, cosigner, line, signed_at) VALUES (?, ?, ?, ?)').run(
    cosignature.size,
    cosignature.cosigner,
    cosignature.line,
    cosignature.signedAt,
  )
}

/** Cosignature lines over the checkpoint at `size`, by cosigner name. */
export function cosignatureLines(db: Db, size: number): string[] {
  return cached(db, 'SELECT line FROM audit_cosignatures WHERE size = ? ORDER BY cosigner').pluck().all(size) as string[]
}

export function getCheckpoint(db: Db, size: number): StoredCheckpoint | undefined {
  return cached(db, `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE size = ?`).get(size) as StoredCheckpoint | undefined
}
