/**
 * The audit log on PostgreSQL: the same functions and row shapes as the SQLite reference
 * (store/audit.ts): seq and counts as numbers, leaf and leaf_hash as Buffers in the rows verify hashes,
 * root_hash (bytea) as a Buffer. The record columns are generated from the leaf (audit-schema.ts).
 *
 * Several server instances may append to one database, so the log's total order is decided here:
 * nextAuditSeq takes a transaction-scoped advisory lock before it reads the last seq, and holds it
 * until the append's transaction commits or rolls back. Committed seqs therefore run 1, 2, 3… without
 * a gap, and every instance's in-memory tree catches up from them in the same order.
 */
import {recordOfLeaf, type AuditRecord} from '../../audit/record.js'
import type {AuditLeafRow, AuditQuery, StoredCheckpoint} from '../audit.js'
import {AUDIT_TABLE_REDEFINED, auditTablePredatesLeaves, PG_AUDIT_COLUMNS, pgExpressionKey} from '../audit-schema.js'
import {all, one, run, type Pg} from './pg.js'

/** The advisory lock key that serializes audit appends (an arbitrary constant: "rtca"). */
export const AUDIT_APPEND_LOCK = 0x72746361

async function rows(db: Pg, sql: string, params: unknown[] = []): Promise<unknown[][]> {
  const result = await db.query({text: sql, values: params, rowMode: 'array'})
  return result.rows as unknown[][]
}

/** Inserts one record: its seq, its leaf data (record.ts leafJson) and the leaf hash of that data. */
export async function insertAuditRecord(db: Pg, seq: number, leaf: string, leafHash: Buffer): Promise<void> {
  await run(db, 'INSERT INTO audit_records (seq, leaf, leaf_hash) VALUES ($1, $2, $3)', [seq, leaf, leafHash])
}

/**
 * One round trip for the usual append: takes the append lock and inserts the record if its seq is the
 * next one, returning whether it did. The guard reads max(seq) in the statement's snapshot, which may
 * predate the lock; a record committed in between has exactly the seq we try (appenders take max + 1
 * under the lock), so ON CONFLICT turns that race into "not inserted" and the caller takes the
 * lock-then-read path (nextAuditSeq). The transaction keeps the lock to commit either way (run alone,
 * the statement is its own transaction).
 */
export async function insertNextAuditRecord(db: Pg, seq: number, leaf: string, leafHash: Buffer): Promise<boolean> {
  const result = await db.query({
    name: 'audit-insert-next',
    text: `WITH lock AS (SELECT pg_advisory_xact_lock(${AUDIT_APPEND_LOCK}::bigint))
      INSERT INTO audit_records (seq, leaf, leaf_hash) SELECT $1::bigint, $2::text, $3::bytea FROM lock
      WHERE (SELECT coalesce(max(seq), 0) FROM audit_records) = $1::bigint - 1 ON CONFLICT (seq) DO NOTHING`,
    values: [seq, leaf, leafHash],
  })
  return result.rowCount === 1
}

/**
 * The seq the next record takes. Takes the append lock first (held to the end of the calling
 * transaction), so no other appender can read the same last seq: call it inside the append's transaction.
 */
export async function nextAuditSeq(db: Pg): Promise<number> {
  await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_APPEND_LOCK])
  return (await lastAuditSeq(db)) + 1
}

/** Number of the last record (0 for an empty log). */
export async function lastAuditSeq(db: Pg): Promise<number> {
  return (await one<{n: number}>(db, 'SELECT coalesce(max(seq), 0)::bigint AS n FROM audit_records'))!.n
}

export async function countAuditRecords(db: Pg): Promise<number> {
  return (await one<{n: number}>(db, 'SELECT count(*) AS n FROM audit_records'))!.n
}

export async function getAuditRecord(db: Pg, idOrSeq: string | number): Promise<AuditRecord | undefined> {
  const where = typeof idOrSeq === 'number' ? 'seq = $1' : 'id = $1'
  const [row] = await rows(db, `SELECT leaf FROM audit_records WHERE ${where}`, [idOrSeq])
  return row && recordOfLeaf(row[0] as string)
}

/**
 * Records matching the filters, oldest first. With afterSeq: the first `limit` records after it;
 * without: the most recent `limit` records.
 */
export async function queryAuditRecords(db: Pg, query: AuditQuery = {}): Promise<AuditRecord[]> {
  const where: string[] = []
  const params: unknown[] = []
  const add = (clause: (...n: string[]) => string, ...values: unknown[]): void => {
    const numbers = values.map((value) => `$${params.push(value)}`)
    where.push(clause(...numbers))
  }
  if (query.actor !== undefined) add((a, b) => `(actor_name = ${a} OR actor_id = ${b})`, query.actor, query.actor)
  if (query.action !== undefined) {
    if (query.action.endsWith('*')) add((a) => `action LIKE ${a} ESCAPE '\\'`, query.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%')
    else add((a) => `action = ${a}`, query.action)
  }
  if (query.target !== undefined) add((a) => `target = ${a}`, query.target)
  if (query.outcome !== undefined) add((a) => `outcome = ${a}`, query.outcome)
  if (query.since !== undefined) add((a) => `time >= ${a}`, query.since)
  if (query.until !== undefined) add((a) => `time < ${a}`, query.until)
  if (query.afterSeq !== undefined) add((a) => `seq > ${a}`, query.afterSeq)
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
  const newestFirst = query.afterSeq === undefined
  const limit = query.limit === undefined ? '' : `LIMIT ${Math.max(0, Math.floor(query.limit))}`
  const found = await rows(db, `SELECT leaf FROM audit_records ${filter} ORDER BY seq ${newestFirst ? 'DESC' : 'ASC'} ${limit}`, params)
  if (newestFirst) found.reverse()
  return found.map((row) => recordOfLeaf(row[0] as string))
}

/** Up to `limit` records after `afterSeq` in seq order, as AuditLeafRows (store/audit.ts): the leaf's UTF-8 bytes as stored. */
export async function auditLeafPage(db: Pg, afterSeq: number, limit: number): Promise<AuditLeafRow[]> {
  const found = await rows(db, "SELECT seq, convert_to(leaf, 'UTF8'), leaf_hash FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2", [afterSeq, limit])
  return found as AuditLeafRow[]
}

/**
 * The records with seq in ($1, $2] for the verify workers (store/postgres/audit-reader.ts; the worker
 * puts the numbers in itself, as COPY takes no parameters): each record's stored leaf and its stored
 * leaf hash, one not 32 bytes long replaced by zeros. One row per record: PostgreSQL aggregating a
 * page into one value (string_agg) costs it more than sending the rows.
 */
export const AUDIT_PAGE_SQL = `SELECT leaf, CASE WHEN length(leaf_hash) = 32 THEN leaf_hash ELSE decode(repeat('00', 32), 'hex') END
  FROM audit_records WHERE seq > $1 AND seq <= $2 ORDER BY seq`

/**
 * What is wrong with audit_records' definition, if anything (as store/audit.ts's auditSchemaProblems):
 * its columns, their types and generation expressions must be those of audit-schema.ts.
 */
export async function auditSchemaProblems(db: Pg): Promise<string[]> {
  const columns = await rows(
    db,
    `SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attgenerated, coalesce(pg_get_expr(d.adbin, d.adrelid), '')
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = to_regclass('audit_records') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
  )
  const found = columns.map(([name, type, generated, expression]) => `${name} ${type} ${generated} ${pgExpressionKey(expression as string)}`)
  if (found.length === PG_AUDIT_COLUMNS.length && found.every((column, i) => column === PG_AUDIT_COLUMNS[i])) return []
  if (found.some((column) => column.startsWith('leaf '))) return [AUDIT_TABLE_REDEFINED]
  return [auditTablePredatesLeaves()]
}

/** Whether seqs run 1, 2, 3… without a gap, from three aggregates. */
export async function auditSeqsContiguous(db: Pg): Promise<boolean> {
  const row = (await one<{count: number; min: number | null; max: number | null}>(db, 'SELECT count(*) AS count, min(seq) AS min, max(seq) AS max FROM audit_records'))!
  return row.count === 0 || (row.min === 1 && row.max === row.count)
}

/** Records whose seq is not one more than the previous record's (the first must be 1), with that previous seq. */
export async function auditSeqBreaks(db: Pg): Promise<Array<{seq: number; id: string; previous: number | null}>> {
  return all(
    db,
    `SELECT seq, id, (SELECT max(seq) FROM audit_records p WHERE p.seq < a.seq) AS previous FROM audit_records a
     WHERE seq < 1 OR (seq > 1 AND NOT EXISTS (SELECT 1 FROM audit_records p WHERE p.seq = a.seq - 1)) ORDER BY seq`,
  )
}

/** Up to `limit` [seq, leaf_hash] rows after `afterSeq`, in seq order: the log's catch-up read, in one query. */
export async function auditLeavesAfter(db: Pg, afterSeq: number, limit: number): Promise<Array<[number, Buffer]>> {
  const result = await db.query({name: 'audit-leaves-after', text: 'SELECT seq, leaf_hash FROM audit_records WHERE seq > $1 ORDER BY seq LIMIT $2', values: [afterSeq, limit], rowMode: 'array'})
  return result.rows as Array<[number, Buffer]>
}

/** Stored leaf hashes for leaf indexes [start, end), i.e. seq in (start, end]; fewer if rows are missing. */
export async function auditLeafHashes(db: Pg, start: number, end: number): Promise<Buffer[]> {
  return (await rows(db, 'SELECT leaf_hash FROM audit_records WHERE seq > $1 AND seq <= $2 ORDER BY seq', [start, end])).map((row) => row[0] as Buffer)
}

/**
 * Stores a signed checkpoint. Another instance may have signed the same size first: the signature is
 * deterministic (Ed25519 over the same origin, size and root), so the row already there is kept.
 */
export async function insertCheckpoint(db: Pg, checkpoint: StoredCheckpoint): Promise<void> {
  await run(db, 'INSERT INTO audit_checkpoints (size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING', [
    checkpoint.size,
    checkpoint.rootHash,
    checkpoint.note,
    checkpoint.createdAt,
  ])
}

const CHECKPOINT_COLUMNS = 'size, root_hash AS "rootHash", note, created_at AS "createdAt"'

/** All checkpoints, smallest size first. */
export async function listCheckpoints(db: Pg): Promise<StoredCheckpoint[]> {
  return all<StoredCheckpoint>(db, `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size`)
}

export async function latestCheckpoint(db: Pg): Promise<StoredCheckpoint | undefined> {
  return one<StoredCheckpoint>(db, `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY size DESC LIMIT 1`)
}

/** Stores (or replaces) a witness's cosignature line over the checkpoint at `size`. */
export async function upsertCosignature(db: Pg, cosignature: {size: number; cosigner: string; line: string; signedAt: number}): Promise<void> {
  await run(
    db,
    `INSERT INTO audit_cosignatures (size, cosigner, line, signed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (size, cosigner) DO UPDATE SET line = excluded.line, signed_at = excluded.signed_at`,
    [cosignature.size, cosignature.cosigner, cosignature.line, cosignature.signedAt],
  )
}

/** Cosignature lines over the checkpoint at `size`, by cosigner name. */
export async function cosignatureLines(db: Pg, size: number): Promise<string[]> {
  return (await all<{line: string}>(db, 'SELECT line FROM audit_cosignatures WHERE size = $1 ORDER BY cosigner', [size])).map((row) => row.line)
}

export async function getCheckpoint(db: Pg, size: number): Promise<StoredCheckpoint | undefined> {
  return one<StoredCheckpoint>(db, `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE size = $1`, [size])
}
